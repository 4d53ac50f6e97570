"""Incremental publication (housing/publishing/incremental.py): the same site as a full build, byte for byte."""
import json

import pytest

import models as m
from housing import demo
from housing.publishing import content, incremental, pipeline
from housing.publishing.releases import Releases


def _tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def seeded(database, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # both builds date their pages alike
    demo.seed(scale=0.3)
    return database


def _published():
    return list(m.Offer.select().where((m.Offer.published == True) & (m.Offer.status == "published"))  # noqa: E712
                .order_by(m.Offer.id))


def test_an_incremental_publication_is_the_full_one(seeded, tmp_path):
    """Publish in full; change one offer, withdraw one, add one; publish incrementally: the release is the
    one a full publication of the same data makes (pages, listing, statistics, search index, sitemap)."""
    site, folder = tmp_path / "site", tmp_path / "content"
    assert pipeline.publish(root=site, folder=folder)[0] == "success"
    first = Releases(site).live()
    offers = _published()
    changed, withdrawn = offers[1], offers[2]
    m.Offer.update(monthly_rent=m.Offer.monthly_rent + 7).where(m.Offer.id == changed.id).execute()
    m.Offer.update(published=False).where(m.Offer.id == withdrawn.id).execute()
    added = dict(offers[3].__data__)
    added.pop("id")
    added = m.Offer.create(**added)
    timings = {}
    outcome, message = pipeline.publish(root=site, folder=folder, timings=timings)
    assert outcome == "success" and "ricostruite" in message, message
    incremental_release = Releases(site).live()
    assert "merge with the live release" in timings
    # The unchanged offer pages are the live release's files (hard links), the changed one was built.
    unchanged = f"offerte/O{offers[4].id:05d}/index.html"
    assert (incremental_release / unchanged).stat().st_ino == (first / unchanged).stat().st_ino
    full_site = tmp_path / "full"
    assert pipeline.publish_content(folder, force=True, root=full_site)[0] == "success"
    ours, theirs = _tree(incremental_release), _tree(Releases(full_site).live())
    assert sorted(ours) == sorted(theirs)
    assert [name for name in ours if ours[name] != theirs[name]] == []
    assert f"offerte/O{withdrawn.id:05d}/index.html" not in ours
    assert f"offerte/O{added.id:05d}/index.html" in ours
    index = json.loads(ours["search/search_index.json"])
    assert any(d["location"] == f"offerte/O{added.id:05d}/" for d in index["docs"])
    assert f"O{withdrawn.id:05d}".encode() not in ours["sitemap.xml"]
    assert pipeline.publish(root=site, folder=folder)[0] == "skipped"


def test_what_every_page_depends_on_triggers_a_full_build(tmp_path):
    current = incremental.manifest("key", {"offerte/O00001.md": "a", "offerte/O00002.md": "b"})
    assert incremental.plan(current, None, tmp_path).full
    assert incremental.plan(current, incremental.manifest("other", current["pages"]), tmp_path).full
    assert incremental.plan(current, current, tmp_path, force=True).full
    same = incremental.plan(current, current, tmp_path)
    assert not same.full and same.build == ["offerte/O00001.md"] and same.reuse == ["offerte/O00002.md"]
    one = incremental.plan(current, incremental.manifest("key", {"offerte/O00001.md": "a", "offerte/O00002.md": "x"}),
                           tmp_path)
    assert one.build == ["offerte/O00001.md", "offerte/O00002.md"] and one.reuse == []


def test_the_yaml_is_read_record_by_record_as_pyyaml_reads_it_whole(tmp_path):
    import yaml

    data = {"offers": [{"ref": "O1", "t": "a\n- b: c"}, {"ref": "O2", "t": "- x"}, {"ref": "O3", "n": None}],
            "partners": [], "agreements": [{"a": [1, {"b": [2]}]}], "territorial_agreement": {"zones": []},
            "statistics": {"x": 1}, "districts": []}
    content.write(data, tmp_path)
    cache = content.ReadCache(tmp_path / "cache.pickle")
    assert content.read(tmp_path, cache) == data
    again = content.ReadCache(tmp_path / "cache.pickle")
    assert len(again.records) == 4  # three offers, one agreement
    assert content.read(tmp_path, again) == data
    # A file not cut into records by yaml_out: read whole, the same as PyYAML.
    (tmp_path / "offers.yaml").write_text('- ref: "O1"\n  t: "a\n- b"\n', encoding="utf-8")
    assert content.read(tmp_path, content.ReadCache())["offers"] == yaml.safe_load('- ref: "O1"\n  t: "a\n- b"\n')
