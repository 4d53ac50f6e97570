"""Free text typed in the back office reaches the public site as text: no HTML, no links, no scripts."""
import re

import pytest

from housing import demo
from housing.publishing import build, export, pages

SCRIPT = "<script>alert(1)</script>"
LINK = "[premi qui](javascript:alert(2))"
IMAGE = '<img src="x" onerror="alert(3)">'
ATTRIBUTES = '*luminoso*{: onmouseover="alert(5)" }'  # attr_list would make it an attribute


@pytest.fixture
def built(database, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    demo.seed(scale=0.3)
    data = export.export_all()
    offers = data["offers"]
    offers[0] = dict(offers[0], district=f"Ognina {SCRIPT}", description=f"Bello. {LINK} `codice` | a\\b")
    offers[1] = dict(offers[1], street=IMAGE, zone_name=SCRIPT, landlord=LINK, description=f"Bello, {ATTRIBUTES}.")
    offers[2] = dict(offers[2], district="*v*{: onclick=alert(6)}")
    partner = data["partners"][0]
    data["partners"][0] = dict(partner, name=f"Coop {IMAGE}", services=LINK, address=ATTRIBUTES,
                               email="<svg/onload=alert(8)>@e.it",
                               website='https://example.org/a"><script>alert(4)</script>')
    agreement = data["agreements"][0]
    data["agreements"][0] = dict(agreement, title=f"Accordo {SCRIPT}", commitments="**x**{: onclick=alert(7)}",
                                 kind="<b>nuovo</b>")
    work = tmp_path / "work"
    navs = pages.write_site(data, work)
    release = tmp_path / "release"
    release.mkdir()
    build.build(work, navs, release, shards=1)
    return data, release


def _pages(release):
    return {p.relative_to(release).as_posix(): p.read_text(encoding="utf-8") for p in release.rglob("*.html")}


def test_no_injected_markup_reaches_any_page(built):
    _, release = built
    for name, html in _pages(release).items():
        assert not re.search(r"<[a-z][^<>]*\son[a-z]+=", html), (name, re.search(r"<[a-z][^<>]*\son[a-z]+=[^>]*>", html))
        assert "<b>nuovo</b>" not in html and "<svg/onload" not in html, name
        assert "<script>alert" not in html, name
        assert 'href="javascript:' not in html, name
        assert '<img src="x"' not in html, name


def test_the_text_is_shown_as_typed(built):
    data, release = built
    offer = (release / "offerte" / data["offers"][0]["ref"] / "index.html").read_text(encoding="utf-8")
    assert "Ognina &lt;script&gt;alert(1)&lt;/script&gt;" in offer
    assert "[premi qui](javascript:alert(2))" in offer and "`codice` | a\\b" in offer
    partners = (release / "partner" / "index.html").read_text(encoding="utf-8")
    assert "Coop &lt;img" in partners
    assert 'href="https://example.org/a%22%3E%3Cscript%3Ealert(4)%3C/script%3E"' in partners


def test_offer_facts_count_rooms_in_the_singular_for_one():
    """"1 bagno", never "1 bagni"; "1 bathroom" in English."""
    from housing.publishing.pages import offer_rows

    offer = {"monthly_rent": 500.0, "service_charges": 20.0, "contract_type": "concordato_3_2",
             "min_duration_months": 36, "max_duration_months": 60, "available_from": None, "district": "Centro",
             "street": None, "zone": "Z1", "zone_name": "Centro storico", "area_m2": 50, "rooms": 2, "bedrooms": 1,
             "bathrooms": 1, "floor": 2, "lift": False, "step_free": False, "furnished": False, "energy_class": "C"}
    rooms = next(row for row in offer_rows(offer) if row[0] == "Vani")
    assert rooms[2] == "2 (1 camera, 1 bagno)" and rooms[3] == "2 (1 bedroom, 1 bathroom)"
