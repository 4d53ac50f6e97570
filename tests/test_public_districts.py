"""Issue 12: the public site and the export read the district registry.

The map places an offer at its registry district's centroid, the listing's
district filter offers the registry's names (never a spelling variant), a
renamed district shows its new name at the next export and two merged
districts are one filter option and one statistics row. The districts used
here are not in ``content/districts.yaml`` (the seed of a new installation):
the site must read the registry, not that file.
"""
import html
import itertools
import json

import pytest

import models as m
from housing import districts as registry
from housing.publishing import district_map, export, pages, schemas
from samples import make_dwelling, make_household, make_landlord, make_zone

UNITS = itertools.count(1)


def district(name, lat=37.51, lon=15.07, **fields):
    return m.District.create(name=name, latitude=lat, longitude=lon, **fields)


def offer_in(place, rooms=2, **home):
    owner = m.Landlord.select().first() or make_landlord()
    dwelling = make_dwelling(owner, district=place, rooms=rooms, cadastral_unit=str(next(UNITS)), **home)
    return m.Offer.create(dwelling=dwelling, contract_type="concordato_3_2", monthly_rent=400, status="published",
                          published=True)


def published(tmp_path):
    """Export, validate and write the pages, as the publisher does (without MkDocs)."""
    data = export.export_all()
    schemas.validate_all(data)
    pages.write_site(data, tmp_path / "work")
    return data


def listing(tmp_path, lang="it"):
    folder = "offerte" if lang == "it" else "offers"
    return (tmp_path / "work" / f"docs_{lang}" / folder / "index.md").read_text(encoding="utf-8")


def filter_options(tmp_path, lang="it"):
    """The district filter's options, as offers.js builds them: the distinct districts of the index, null aside."""
    index = json.loads((tmp_path / "work" / f"docs_{lang}" / "assets" / "offers.json").read_text(encoding="utf-8"))
    return sorted({offer["district"] for offer in index} - {None})


def on_map(text, name, count):
    """True when the listing's map draws ``name`` (its outline or, without one, a marker at its centroid)
    as a link named with its ``count`` of offers (housing/publishing/district_map.py)."""
    english = "Housing offers" in text
    words = ("offer", "offers") if english else ("offerta", "offerte")
    label = district_map.attribute(f"{name}: {count} {words[0] if count == 1 else words[1]}")
    return f'data-district="{district_map.attribute(name)}" aria-label="{label}"' in text


def test_a_home_in_a_registry_district_with_a_centroid_is_on_the_map(database, tmp_path):
    district("Cibali Alta", lat=37.521, lon=15.061)
    offer_in("Cibali Alta")
    offer_in("Cibali Alta")
    data = published(tmp_path)
    assert [o["district"] for o in data["offers"]] == ["Cibali Alta", "Cibali Alta"]
    for lang in ("it", "en"):
        assert on_map(listing(tmp_path, lang), "Cibali Alta", 2), lang
    assert filter_options(tmp_path) == ["Cibali Alta"]


def test_an_offer_in_a_district_without_centroid_is_listed_but_not_on_the_map(database, tmp_path):
    district("Cibali Alta")
    district("Senza Centro", lat=None, lon=None)
    placed, unplaced = offer_in("Cibali Alta"), offer_in("Senza Centro")
    data = published(tmp_path)
    assert {o["district"] for o in data["offers"]} == {"Cibali Alta", "Senza Centro"}
    text = listing(tmp_path)
    assert on_map(text, "Cibali Alta", 1) and "Senza Centro (" not in text
    assert "Senza Centro</a>: <span class=\"hf-map-count\">1</span> <span class=\"hf-map-note\">(quartiere senza posizione sulla mappa)" in text
    assert f"O{unplaced.id:05d}/" in text and f"O{placed.id:05d}/" in text, "both are in the static list"
    assert filter_options(tmp_path) == ["Cibali Alta", "Senza Centro"]


def test_no_centroid_at_all_still_lists_the_offers(database, tmp_path):
    district("Senza Centro", lat=None, lon=None)
    offer = offer_in("Senza Centro")
    published(tmp_path)
    text = listing(tmp_path, "en")
    assert 'aria-label="Senza Centro' not in text and "(district without a position on the map)" in text
    assert f"O{offer.id:05d}/" in text


def test_the_district_filter_never_gains_a_spelling_variant(database, tmp_path):
    district("Cibali Alta")
    for typed in ("Cibali Alta", "cibali alta", "  CIBALI ALTA ", "Cíbali Altà"):
        found = registry.lookup(typed)
        assert found is not None, typed
        offer_in(m.District.get_by_id(found))
    data = published(tmp_path)
    assert {o["district"] for o in data["offers"]} == {"Cibali Alta"}
    assert filter_options(tmp_path) == filter_options(tmp_path, "en") == ["Cibali Alta"]
    assert on_map(listing(tmp_path), "Cibali Alta", 4)
    assert [row["district"] for row in data["statistics"]["supply"]] == ["Cibali Alta"]


def test_a_renamed_district_shows_its_new_name_at_the_next_export(database, tmp_path):
    place = district("Cibali Alta")
    offer_in("Cibali Alta")
    published(tmp_path)
    place.name = "Cibali Nord"
    place.save()
    data = published(tmp_path)
    assert [o["district"] for o in data["offers"]] == ["Cibali Nord"]
    assert [d["name"] for d in data["districts"]] == ["Cibali Nord"]
    assert filter_options(tmp_path) == ["Cibali Nord"]
    text = listing(tmp_path)
    assert on_map(text, "Cibali Nord", 1) and "Cibali Alta" not in text
    assert [row["district"] for row in data["statistics"]["supply"]] == ["Cibali Nord"]


def test_two_merged_districts_are_one_filter_option_and_one_statistics_row(database, tmp_path):
    source, target = district("Cibali Bassa"), district("Cibali Alta")
    for _ in range(3):
        offer_in("Cibali Bassa")
        offer_in("Cibali Alta")
    for k in range(5):  # each names both: one link each after the merge
        make_household(code=f"NF-2026-{k + 1:04d}", preferred_districts="Cibali Bassa, Cibali Alta")
    data = published(tmp_path)
    assert filter_options(tmp_path) == ["Cibali Alta", "Cibali Bassa"]
    registry.merge(source.id, target.id)
    data = published(tmp_path)
    assert filter_options(tmp_path) == ["Cibali Alta"]
    assert on_map(listing(tmp_path), "Cibali Alta", 6) and "Cibali Bassa" not in listing(tmp_path)
    statistics = data["statistics"]
    assert statistics["supply"] == [{"district": "Cibali Alta", "1": 0, "2": 6, "3": 0, "4+": 0}]
    assert statistics["demand"] == [{"district": "Cibali Alta", "1": 5, "2": 0, "3": 0, "4+": 0}]
    assert statistics["supply_total"] == 6 and statistics["demand_total"] == 5
    assert [d["name"] for d in data["districts"]] == ["Cibali Alta"]


def test_an_offer_in_a_district_to_review_is_listed_but_no_filter_option_nor_statistics_row(database, tmp_path):
    """An entry to review may be a spelling variant ("S. Berillo" before someone merges it): never an option."""
    district("San Berillo")
    variant = registry.provisional("S. Berillo")
    m.District.update(latitude=37.5075, longitude=15.093).where(m.District.id == variant).execute()
    offer_in("San Berillo")
    listed = offer_in(m.District.get_by_id(variant))
    data = published(tmp_path)
    assert f"O{listed.id:05d}/" in listing(tmp_path), "the offer is listed"
    index = json.loads((tmp_path / "work" / "docs_it" / "assets" / "offers.json").read_text(encoding="utf-8"))
    entry = next(o for o in index if o["ref"] == f"O{listed.id:05d}")
    assert entry["district"] is None and entry["title"].endswith(", S. Berillo"), "shown, not filterable"
    assert [o["district"] for o in data["offers"]] == ["San Berillo", "S. Berillo"], "its page names its district"
    assert filter_options(tmp_path) == filter_options(tmp_path, "en") == ["San Berillo"]
    assert [d["name"] for d in data["districts"]] == ["San Berillo"]
    assert on_map(listing(tmp_path), "San Berillo", 1) and "S. Berillo (" not in listing(tmp_path)
    assert [row["district"] for row in data["statistics"]["supply"]] == [export.OTHER_DISTRICTS, "San Berillo"]
    registry.merge(variant, m.District.get(m.District.name == "San Berillo").id)
    data = published(tmp_path)
    assert filter_options(tmp_path) == ["San Berillo"] and on_map(listing(tmp_path), "San Berillo", 2)
    assert [row["district"] for row in data["statistics"]["supply"]] == ["San Berillo"]


def test_demand_counts_a_household_in_each_district_it_names_and_once_in_the_total(database):
    district("Cibali Alta")
    district("Cibali Bassa")
    m.District.create(name="vicino alla scuola", active=False, to_review=True)
    for k in range(5):
        make_household(code=f"NF-2026-{k + 1:04d}", min_rooms=2, preferred_districts="Cibali Alta, Cibali Bassa")
    for k in range(5, 10):
        make_household(code=f"NF-2026-{k + 1:04d}", min_rooms=3)
    for k in range(10, 15):
        make_household(code=f"NF-2026-{k + 1:04d}", min_rooms=1, preferred_districts="vicino alla scuola, Cibali Alta")
    make_household(code="NF-2026-0099", status="housed", preferred_districts="Cibali Bassa")  # not waiting
    statistics = export.statistics()
    demand = {row["district"]: row for row in statistics["demand"]}
    assert demand == {
        "Cibali Alta": {"district": "Cibali Alta", "1": 5, "2": 5, "3": 0, "4+": 0},
        "Cibali Bassa": {"district": "Cibali Bassa", "1": 0, "2": 5, "3": 0, "4+": 0},
        export.ANY_DISTRICT: {"district": export.ANY_DISTRICT, "1": 0, "2": 0, "3": 5, "4+": 0},
        export.OTHER_DISTRICTS: {"district": export.OTHER_DISTRICTS, "1": 5, "2": 0, "3": 0, "4+": 0},
    }
    assert statistics["demand_total"] == 15
    assert "vicino alla scuola" not in json.dumps(statistics), "a name still to review is not published"
    schemas.validate("statistics", statistics)


def test_the_districts_data_set_is_the_public_registry(database):
    zone = make_zone()
    district("Cibali Alta", lat=37.521, lon=15.061, municipality="3 Borgo - Sanzio", zone=zone,
             outline="37.52 15.06; 37.53 15.06; 37.53 15.07")
    district("Cibali Bassa", lat=None, lon=None, zone=zone)
    district("Dismesso", active=False, zone=zone)
    m.District.create(name="via dei limoni 3", active=False, to_review=True, zone=zone)
    data = export.export_all()
    schemas.validate_all(data)
    assert data["districts"] == [
        {"name": "Cibali Alta", "municipality": "3 Borgo - Sanzio", "zone": "Z1", "lat": 37.521, "lon": 15.061,
         "outline": [[37.52, 15.06], [37.53, 15.06], [37.53, 15.07]]},
        {"name": "Cibali Bassa", "municipality": None, "zone": "Z1", "lat": None, "lon": None},
    ]
    assert [z["districts"] for z in data["territorial_agreement"]["zones"]] == ["Cibali Alta, Cibali Bassa"]


@pytest.mark.parametrize("outline", ["37.52 15.06; 37.53", "nord; sud; est", "37.52 15.06; 37.53 15.06"])
def test_an_outline_that_is_not_a_polygon_stops_the_publication_naming_the_place(database, outline):
    district("Cibali Alta")
    district("Cibali Bassa", outline=outline)
    data = export.export_all()
    with pytest.raises(schemas.SchemaError, match="districts.yaml, 1/outline"):
        schemas.validate_all(data)


def test_a_district_outline_is_drawn_and_stretches_the_map(database, tmp_path):
    district("Cibali Alta", lat=37.52, lon=15.06, outline="37.50 15.05; 37.54 15.05; 37.54 15.08")
    offer_in("Cibali Alta")
    published(tmp_path)
    text = listing(tmp_path)
    assert on_map(text, "Cibali Alta", 1)
    drawn = text.split('data-district="Cibali Alta" aria-label', 1)[1].split("</a>", 1)[0]
    assert "<path " in drawn and "<circle" not in drawn, "its outline, not a marker"


def test_a_district_name_with_markup_stays_text_on_the_map_and_in_the_zone(database, tmp_path):
    name, quoted = 'Borgo <img src=x onerror=alert(1)> "&', "Borgo' onmouseover='alert(2)"
    zone = make_zone()
    district(name, zone=zone)
    district(quoted, lat=37.5, zone=zone)
    offer_in(name)
    offer_in(quoted)
    data = published(tmp_path)
    text = listing(tmp_path)
    assert "<img" not in text and on_map(text, name, 1) and on_map(text, quoted, 1)
    assert "Borgo &lt;img src&#61;x onerror&#61;alert(1)&gt; &quot;&amp;: 1 offerta" in text
    assert filter_options(tmp_path) == sorted([name, quoted])
    assert data["territorial_agreement"]["zones"][0]["districts"] == f"{name}, {quoted}"
