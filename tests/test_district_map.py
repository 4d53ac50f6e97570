"""The district outlines (content/districts.geojson) and the offers' publication dates (issue 16).

The map itself, its keyboard use and its filters are tried on the published demo site
(tests/test_public_site.py); here the editorial file's checks and the publisher's date stamp.
"""
import copy
import datetime
import json
import pathlib

import pytest

import models as m
from housing import districts
from housing.publishing import district_map
from samples import make_dwelling, make_landlord

GEOJSON = json.loads(district_map.OUTLINES.read_text(encoding="utf-8"))


def test_every_district_of_the_seed_has_an_outline_and_no_outline_is_unknown():
    outlines = district_map.load_outlines()
    assert set(outlines) == {d["name"] for d in districts.seed_entries()}
    for name, rings in outlines.items():
        seed = next(d for d in districts.seed_entries() if d["name"] == name)
        assert inside((seed["lon"], seed["lat"]), rings[0]), f"{name}: the centroid is outside its outline"


def inside(point, ring):
    x, y = point
    crossings = 0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            crossings += 1
    return crossings % 2 == 1


def spoiled(change):
    data = copy.deepcopy(GEOJSON)
    change(data["features"][2])
    return data


def _set(target, path, value):
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@pytest.mark.parametrize("change, message", [
    (lambda f: f["geometry"]["coordinates"][0].pop(), "the ring is not closed"),
    (lambda f: f["geometry"]["coordinates"][0].__setitem__(1, [37.5, 150.1]), "GeoJSON puts the longitude first"),
    (lambda f: f["geometry"]["coordinates"][0].__setitem__(1, ["15.1", 37.5]), "position 1: not a [longitude, latitude]"),
    (lambda f: _set(f, ["geometry", "coordinates"], [[[15.0, 37.5], [15.0, 37.5]]]), "at least 4 positions"),
    (lambda f: _set(f, ["geometry", "type"], "Point"), "geometry"),
    (lambda f: _set(f, ["properties"], {"nome": "Civita"}), "'name' is a required property"),
])
def test_an_invalid_outline_is_refused_naming_the_feature(tmp_path, change, message):
    path = tmp_path / "districts.geojson"
    path.write_text(json.dumps(spoiled(change)), encoding="utf-8")
    with pytest.raises(district_map.OutlineError) as caught:
        district_map.load_outlines(path)
    text = str(caught.value)
    assert "feature 2 (Civita)" in text or "feature 2 (no name)" in text, text
    assert message in text, text


def test_a_second_feature_of_the_same_name_and_broken_json_are_refused(tmp_path):
    data = copy.deepcopy(GEOJSON)
    data["features"].append(copy.deepcopy(data["features"][0]))
    path = tmp_path / "districts.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(district_map.OutlineError, match=r"feature 27 \(Centro\): a second feature"):
        district_map.load_outlines(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(district_map.OutlineError, match="not valid JSON"):
        district_map.load_outlines(path)


def test_a_district_without_an_outline_nor_a_centroid_is_in_the_list_and_said_to_be_off_the_map():
    offers = [{"district": "Centro"}, {"district": "Borgo Nuovo"}, {"district": "Borgo Nuovo"}]
    html = district_map.map_html(offers, [], "en")
    assert 'aria-label="Centro: 1 offer"' in html and 'aria-label="Librino: 0 offers"' in html
    assert "Borgo Nuovo</a>: <span class=\"hf-map-count\">2</span> <span class=\"hf-map-note\">(district without a position" in html
    assert 'aria-label="Borgo Nuovo' not in html and "3 offers in 2 districts" in html
    drawn = district_map.map_html(offers, [{"name": "Borgo Nuovo", "outline": [[37.5, 15.0], [37.51, 15.0], [37.51, 15.01]]}], "it")
    assert 'aria-label="Borgo Nuovo: 2 offerte"><title>Borgo Nuovo: 2 offerte</title><path' in drawn  # drawn in the back office
    marked = district_map.map_html(offers, [{"name": "Borgo Nuovo", "lat": 37.5, "lon": 15.05}], "it")
    assert 'aria-label="Borgo Nuovo: 2 offerte"><title>Borgo Nuovo: 2 offerte</title><circle' in marked  # its centroid


def test_the_publisher_dates_an_offer_when_it_first_appears_and_forgets_the_date_when_it_leaves(database):
    from housing.publishing import export, offer_dates

    home = make_dwelling(make_landlord())
    offer = m.Offer.create(dwelling=home, contract_type="concordato_3_2", monthly_rent=400, status="draft")
    monday = datetime.date(2026, 3, 2)
    assert offer_dates.stamp(monday) == (0, 0)
    m.Offer.update(status="published", published=True).where(m.Offer.id == offer.id).execute()
    assert offer_dates.stamp(monday) == (1, 0)
    assert offer_dates.stamp(monday + datetime.timedelta(days=3)) == (0, 0)  # the first day stays
    assert [o["published_on"] for o in export.published_offers()] == ["2026-03-02"]
    m.Offer.update(status="withdrawn", published=False).where(m.Offer.id == offer.id).execute()
    assert offer_dates.stamp(monday) == (0, 1) and m.Offer.get_by_id(offer.id).published_on is None
    m.Offer.update(status="published", published=True).where(m.Offer.id == offer.id).execute()
    export.export_all()  # the export stamps them too: published again, new again
    assert m.Offer.get_by_id(offer.id).published_on == datetime.date.today()


def test_the_migration_dates_the_offers_already_public_on_the_day_they_were_created(db_url):
    from housing import schema
    from test_migrations import migrated_until

    # rows written as the schema stood before 0017 (its consent columns have no database default);
    # 0017-0019 then run with 0020, as on a database that skipped none of them
    before = sorted(p.stem for p in pathlib.Path(schema.MIGRATIONS_DIR).glob("0*.py") if p.stem < "0017")[-1]
    created = datetime.datetime(2026, 5, 4, 10, 30)
    with migrated_until(db_url, before) as database, database.connection_context():
        sql, param = database.execute_sql, database.param
        sql(f"INSERT INTO landlord (created_at, updated_at, version, kind, name, public_name_consent, "
            f"orientation_sessions) VALUES ({param}, {param}, 1, 'company', 'Etna srl', false, 0)", (created, created))
        sql(f"INSERT INTO district (created_at, updated_at, version, name, active, to_review) "
            f"VALUES ({param}, {param}, 1, 'Centro', true, false)", (created, created))
        sql(f"INSERT INTO dwelling (created_at, updated_at, version, landlord_id, ownership, address, postcode, "
            f"district_id, area_m2, rooms, bedrooms, bathrooms, floor, has_lift, step_free, condition, furnished, "
            f"status) VALUES ({param}, {param}, 1, 1, 'private', 'Via Etnea 1', '95100', 1, 50, 2, 1, 1, 0, false, "
            f"false, 'good', false, 'offered')", (created, created))
        for status, published in (("published", True), ("draft", False)):
            sql(f"INSERT INTO offer (created_at, updated_at, version, dwelling_id, contract_type, monthly_rent, "
                f"service_charges, deposit, status, published) VALUES ({param}, {param}, 1, 1, 'concordato_3_2', "
                f"400, 0, 0, {param}, {param})", (created, created, status, published))
        schema.runner(database).up()
        dates = [row[0] for row in sql("SELECT published_on FROM offer ORDER BY id")]
    assert [str(day) if day else None for day in dates] == ["2026-05-04", None]


def test_the_open_data_csv_never_reads_as_a_protected_address(tmp_path):
    """A 10,000-offer benchmark was refused by the privacy scan: in offerte.csv the street ran into
    the area of the next column ("Via Acquicella,106"), a beneficiary's address."""
    from housing.publishing import checks, open_data

    columns = open_data.offer_columns()
    offers = [{column: None for column in columns} | {"ref": "O00001", "street": "Via Acquicella", "area_m2": 106,
                                                     "rooms": 3, "floor": 2, "monthly_rent": 400}]
    (tmp_path / "dati").mkdir()
    (tmp_path / "dati" / "offerte.csv").write_text(open_data.to_csv(offers * 2, columns), encoding="utf-8")
    watchlist = checks.Watchlist(addresses=[f"Via Acquicella {n}" for n in range(1, 1000)])
    checks.privacy_scan(str(tmp_path), watchlist)  # raises CheckFailed on a match


def test_no_open_data_cell_runs_as_a_spreadsheet_formula():
    from housing.publishing import open_data

    rows = [{"ref": "O1", "street": "=HYPERLINK(\"http://x\")", "rooms": -1, "note": "@SUM(A1)"},
            {"ref": "O2", "street": "Via Etnea", "rooms": 2, "note": None}]
    text = open_data.to_csv(rows, ["ref", "street", "rooms", "note"])
    assert text.splitlines() == ['ref,street,rooms,note', '''O1,"'=HYPERLINK(""http://x"")",-1,'@SUM(A1)''',
                                 "O2,Via Etnea,2,"]
