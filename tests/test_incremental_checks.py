"""The checks of an incremental publication (housing/publishing/check_cache.py): what changed is still checked."""
import json
import random

import pytest

import models as m
from housing import demo
from housing.publishing import check_cache, checks, pipeline
from housing.publishing.releases import Releases


def _write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _data(notes):
    return json.dumps([{"ref": f"O{k:05d}", "note": note, "street": "Via Etnea"} for k, note in enumerate(notes)])


def _releases(tmp_path, old, new):
    live, release = tmp_path / "live", tmp_path / "new"
    _write(live, old)
    _write(release, new)
    return live, release, check_cache.full_record(live)


WATCH = checks.Watchlist(names=["Mario Rossi", "Rossi Mario"], codes=["RSSMRA80A01C351X"])
NOTES = [f"note {k}" for k in range(400)]


def test_an_unchanged_page_linking_to_a_withdrawn_offer_is_a_broken_link(tmp_path):
    page = '<a href="offerte/O00002/">casa</a> <a href="offerte/O00001/">casa</a>'
    offers = {"offerte/O00001/index.html": "one", "offerte/O00002/index.html": "two"}
    live, release, record = _releases(tmp_path, {"index.html": page, **offers},
                                      {"index.html": page, "offerte/O00001/index.html": "one"})
    assert record["index.html"][1] == ["offerte/O00001/", "offerte/O00002/"]
    found, _ = check_cache.scan(release, WATCH, checks.release_files(release), live, record)
    assert found["links"] == ["index.html -> offerte/O00002/"]


def test_a_leak_in_a_changed_data_file_is_found_in_its_changed_bytes(tmp_path):
    old = _data(NOTES)
    notes = list(NOTES)
    notes[200] = "Mario Rossi"
    live, release, record = _releases(tmp_path, {"dati/offerte.json": old}, {"dati/offerte.json": _data(notes)})
    found, new_record = check_cache.scan(release, WATCH, checks.release_files(release), live, record)
    assert found["privacy"] == ["dati/offerte.json: name «mario rossi»"]
    assert new_record["dati/offerte.json"][0] != record["dati/offerte.json"][0]


@pytest.mark.parametrize("old_note, new_note, leak", [
    ("Mario Bianchi", "Mario Rossi", True),  # the change is the phrase's last word only
    ("Bianchi Mario", "Rossi Mario", True),  # its first word only
    ("via Mario Bianchi", "via Mario Rossi", False),  # a street named after someone, as a full scan says
    ("via Mario Rossi", "xvia Mario Rossi", True),  # the word before the name changed: no longer a street
    ("abc", "RSSMRA80A01C351X", True),
])
def test_the_changed_bytes_are_widened_to_whole_phrases(tmp_path, old_note, new_note, leak):
    notes = list(NOTES)
    notes[100] = old_note
    before = _data(notes)
    notes[100] = new_note
    live, release, record = _releases(tmp_path, {"a.json": before}, {"a.json": _data(notes)})
    found, _ = check_cache.scan(release, WATCH, ["a.json"], live, record)
    assert bool(found["privacy"]) == leak, found
    assert sorted(found["privacy"]) == sorted(f"a.json: {k} «{v}»" for k, v in WATCH.find(_data(notes)))


def test_the_changed_bytes_find_what_a_whole_scan_finds(tmp_path):
    rng = random.Random(16)
    words = ["via", "Mario", "Rossi", "Bianchi", "casa", "RSSMRA80A01C351X", "&amp;", "\u20ac", ",", "\n"]
    for attempt in range(60):
        base = [rng.choice(words[3:5]) for _ in range(300)]
        clean = " ".join(base)
        assert not WATCH.find(clean)
        text = list(base)
        at = rng.randrange(len(text))
        text[at:at + rng.randrange(3)] = [rng.choice(words) for _ in range(rng.randrange(4))]
        new = " ".join(text)
        expected = sorted(f"x.txt: {k} «{v}»" for k, v in WATCH.find(new.replace("&amp;", "&")))
        live, release, record = _releases(tmp_path / str(attempt), {"x.txt": clean}, {"x.txt": new})
        found, _ = check_cache.scan(release, WATCH, ["x.txt"], live, record)
        assert found["privacy"] == expected, (attempt, new)


def test_a_live_copy_that_is_not_the_checked_one_is_no_base(tmp_path):
    """The base of a comparison is the live file only when its bytes are the ones checked (SHA-256):
    a live copy edited since would hide the change."""
    notes = list(NOTES)
    notes[7] = "Mario Rossi"
    leaking = _data(notes)
    live, release, record = _releases(tmp_path, {"a.json": _data(NOTES)}, {"a.json": leaking})
    (live / "a.json").write_text(leaking, encoding="utf-8")
    found, _ = check_cache.scan(release, WATCH, ["a.json"], live, record)
    assert found["privacy"] == ["a.json: name «mario rossi»"]


def test_the_record_is_for_one_live_release_and_watchlist(tmp_path):
    key = check_cache.record_key("20261208-1 abc")
    check_cache.save(tmp_path, key, {"index.html": ["x", []]})
    assert check_cache.load(tmp_path, key) == {"index.html": ["x", []]}
    assert check_cache.load(tmp_path, check_cache.record_key("20261208-1 abd")) is None
    assert check_cache.load(tmp_path, check_cache.record_key("20261208-2 abc")) is None


@pytest.fixture
def seeded(database, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    demo.seed(scale=0.3)
    return database


def test_an_incremental_publication_refuses_a_changed_offer_naming_a_person(seeded, tmp_path):
    site, folder = tmp_path / "site", tmp_path / "content"
    assert pipeline.publish(root=site, folder=folder)[0] == "success"
    live = Releases(site).live()
    assert (site / "work" / check_cache.RECORD).is_file()
    person = m.Person.select().first()
    offer = m.Offer.select().where((m.Offer.published == True) & (m.Offer.status == "published")).first()  # noqa: E712
    m.Offer.update(public_description=f"Referente: {person.first_name} {person.last_name}.").where(
        m.Offer.id == offer.id).execute()
    scans = []
    real_scan = check_cache.scan

    def check_cache_scan(*args, **kwargs):  # the files it is given are the release's, none missing
        assert kwargs["files"] == checks.release_files(args[0])
        scans.append(args)
        return real_scan(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(check_cache, "scan", check_cache_scan)
        with pytest.raises(checks.CheckFailed, match="privacy scan") as failure:
            pipeline.publish(root=site, folder=folder)
    assert scans, "the incremental checks ran"
    name = f"{person.first_name} {person.last_name}".lower()
    assert any(name in problem and problem.startswith("offerte/O") for problem in failure.value.problems)
    assert any(name in problem and problem.startswith("dati/") for problem in failure.value.problems)
    assert Releases(site).live() == live
