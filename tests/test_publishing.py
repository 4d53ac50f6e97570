"""The publisher: build from the demo data, checks, atomic publication."""
import json
import os
import re

import pytest

import models as m
from housing import demo, vocabulary
from housing.publishing import build, checks, pipeline
from housing.publishing.releases import KEEP, Releases


@pytest.fixture
def seeded(database):
    demo.seed(scale=0.3)
    return database


@pytest.fixture
def site(tmp_path):
    return tmp_path / "site"


def live(site):
    return Releases(site).live()


def test_build_from_demo_data(seeded, site):
    outcome, message = pipeline.publish(root=site)
    assert outcome == "success", message
    root = live(site)
    published = list(m.Offer.public())
    assert published
    for offer in published:
        assert (root / "offerte" / f"O{offer.id:05d}" / "index.html").is_file()
    for page in ["index.html", "offerte/index.html", "partner/index.html", "accordi/index.html", "statistiche/index.html",
                 "locatori/index.html", "nuclei/index.html", "en/index.html", "en/offers/index.html",
                 "en/partners/index.html", "en/landlords/index.html", "assets/offers.json", "assets/rent-data.json"]:
        assert (root / page).is_file(), page
    index = json.loads((root / "assets" / "offers.json").read_text())
    assert sorted(o["ref"] for o in index) == sorted(f"O{o.id:05d}" for o in published)
    english = {o["ref"]: o for o in json.loads((root / "en" / "assets" / "offers.json").read_text())}
    assert sorted(english) == sorted(o["ref"] for o in index)
    for offer in index:  # each index speaks its own language
        assert offer["type_label"] == vocabulary.label(vocabulary.CONTRACT_TYPES, offer["type"], "it"), offer["ref"]
        assert english[offer["ref"]]["type_label"] == vocabulary.label(vocabulary.CONTRACT_TYPES, offer["type"], "en")
        assert english[offer["ref"]]["type_label"] != offer["type_label"], offer["ref"]


def test_offer_pages_stay_out_of_the_navigation_and_search_bodies(seeded, site):
    pipeline.publish(root=site)
    root = live(site)
    home = (root / "index.html").read_text()
    assert "/offerte/O0" not in home and "offerte/O0" not in home, "offer pages are not in the navigation"
    search = json.loads((root / "search" / "search_index.json").read_text())
    offer_docs = [d for d in search["docs"] if d["location"].startswith("offerte/O")]
    assert offer_docs, "offer titles are searchable"
    description = m.Offer.select().where(m.Offer.published == True).first().public_description  # noqa: E712
    assert all(description[:40] not in d["text"] for d in offer_docs), "offer bodies are not indexed"


def test_partners_are_grouped_by_sector_and_hidden_ones_left_out(seeded, site):
    pipeline.publish(root=site)
    html = (live(site) / "partner" / "index.html").read_text()
    for partner in m.Partner.select():
        assert (partner.name in html) is partner.listed_publicly, partner.name
    assert "Terzo settore" in html


def test_the_site_loads_nothing_from_other_hosts(seeded, site):
    pipeline.publish(root=site)
    assert checks.external_references(live(site)) == []
    assert "fonts.googleapis" not in (live(site) / "index.html").read_text()


def test_unchanged_content_skips_the_build(seeded, site):
    assert pipeline.publish(root=site)[0] == "success"
    first = live(site)
    assert pipeline.publish(root=site)[0] == "skipped"
    assert live(site) == first
    offer = m.Offer.select().where(m.Offer.published == True).first()  # noqa: E712
    offer.monthly_rent = offer.monthly_rent + 1
    offer.save()
    assert pipeline.publish(root=site)[0] == "success"
    assert live(site) != first


def test_a_planted_leak_is_refused_and_the_live_site_untouched(seeded, site):
    assert pipeline.publish(root=site)[0] == "success"
    before = live(site)
    person = m.Person.select().first()
    offer = m.Offer.select().where(m.Offer.published == True).first()  # noqa: E712
    offer.public_description = f"Ideale per {person.first_name} {person.last_name}."
    offer.save()
    with pytest.raises(checks.CheckFailed) as failure:
        pipeline.publish(root=site)
    assert failure.value.kind == "privacy scan"
    assert any(person.last_name.lower() in p for p in failure.value.problems)
    assert live(site) == before
    assert len(list((site / "releases").iterdir())) == 1, "the refused release is discarded"


def test_a_tax_code_pattern_anywhere_is_refused(seeded, site):
    partner = m.Partner.select().where(m.Partner.listed_publicly == True).first()  # noqa: E712
    partner.services = "Referente: RSSMRA80A01C351X"
    partner.save()
    with pytest.raises(checks.CheckFailed, match="tax-code pattern"):
        pipeline.publish(root=site)
    assert live(site) is None


def test_a_protected_home_address_is_refused(seeded, site):
    erp_home = m.Dwelling.select().join(m.ErpAssignment).first()
    partner = m.Partner.select().where(m.Partner.listed_publicly == True).first()  # noqa: E712
    partner.address = erp_home.address
    partner.save()
    with pytest.raises(checks.CheckFailed, match="address"):
        pipeline.publish(root=site)


def test_a_build_failure_leaves_the_live_site_serving(seeded, site, monkeypatch):
    assert pipeline.publish(root=site)[0] == "success"
    before = live(site)
    served = (before / "index.html").read_text()
    m.Offer.update(monthly_rent=m.Offer.monthly_rent + 5).execute()
    real_finish = build.Builder.finish

    def half_build(builder):
        (builder.release / "index.html").write_text("half a site")
        raise build.BuildError("injected failure")

    monkeypatch.setattr(build.Builder, "finish", half_build)
    with pytest.raises(build.BuildError):
        pipeline.publish(root=site)
    assert live(site) == before and (before / "index.html").read_text() == served
    monkeypatch.setattr(build.Builder, "finish", real_finish)
    assert pipeline.publish(root=site)[0] == "success"


def test_a_broken_mkdocs_config_fails_cleanly(seeded, site, monkeypatch):
    monkeypatch.setattr(build, "SITE_DIR", site / "missing")
    with pytest.raises(build.BuildError, match="mkdocs build failed"):
        pipeline.publish(root=site)
    assert live(site) is None


def test_only_the_last_releases_are_kept(tmp_path):
    releases = Releases(tmp_path)
    made = []
    for i in range(KEEP + 3):
        release = releases.new()
        (release / "index.html").write_text(str(i))
        made.append(releases.publish(release, f"hash{i}"))
    kept = sorted(p.name for p in (tmp_path / "releases").iterdir())
    assert kept == sorted(p.name for p in made[-KEEP:])
    assert releases.live() == made[-1].resolve() and releases.live_hash() == f"hash{KEEP + 2}"
    assert os.path.islink(tmp_path / "current")


def test_link_check_finds_broken_links(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text('<a href="a/">ok</a><a href="b/">broken</a><a href="https://x.org/">ext</a>')
    (tmp_path / "a" / "index.html").write_text('<a href="../index.html">up</a><img src="../img.png">')
    with pytest.raises(checks.CheckFailed) as failure:
        checks.link_check(tmp_path)
    assert sorted(failure.value.problems) == ["a/index.html -> ../img.png", "index.html -> b/"]


def test_links_that_climb_out_of_a_page_folder_are_checked_too(tmp_path):
    """The offer pages link "../" (the listing): resolved once per folder, but resolved."""
    for ref in ("O1", "O2"):
        (tmp_path / "offerte" / ref).mkdir(parents=True)
        (tmp_path / "offerte" / ref / "index.html").write_text(
            '<a href="../">list</a><a href="../#map">map</a><a href="../../nuclei/">how</a><a href="..//x/">x</a>')
    (tmp_path / "nuclei").mkdir()
    (tmp_path / "nuclei" / "index.html").write_text("ok")
    (tmp_path / "offerte" / "x").mkdir()
    (tmp_path / "offerte" / "x" / "index.html").write_text("ok")
    with pytest.raises(checks.CheckFailed) as failure:
        checks.link_check(tmp_path)  # offerte/index.html is missing
    assert sorted(failure.value.problems) == [f"offerte/{ref}/index.html -> {target}"
                                              for ref in ("O1", "O2") for target in ("../", "../#map")]
    (tmp_path / "offerte" / "index.html").write_text("listing")
    checks.link_check(tmp_path)


def test_watchlist_matches_names_in_any_order_and_case():
    watch = checks.Watchlist(names=["Mario Rossi"], codes=["RSSMRA80A01C351B"], addresses=["Via Etnea 100"])
    assert watch.find("nessun dato") == []
    assert ("name", "mario rossi") in watch.find("Contattare MARIO   ROSSI.")
    assert ("address", "via etnea 100") in watch.find("<td>Via Etnea, 100</td>")
    assert watch.find("Via Etnea 1000") == []
    assert any(kind == "tax-code pattern" for kind, _ in watch.find("codice rssmra80a01c351b"))
    assert re.search("Rossi", "Mario e Rossi") and watch.find("Mario e Rossi") == []


def test_streets_named_after_people_are_not_people():
    watch = checks.Watchlist(names=["Vincenzo Giuffrida"])
    assert watch.find("Appartamento in Via Vincenzo Giuffrida, Sanzio") == []
    assert watch.find("Via Vincenzo Giuffrida; referente Vincenzo Giuffrida") == [("name", "vincenzo giuffrida")]


def reference_find(watch, text):
    """The scan as it was first written (every n-gram of the text against the watchlist): the reference."""
    found = [("tax-code pattern", m.group(0)) for m in checks.TAX_CODE.finditer(text)]
    tokens = checks.words(text)
    for gram, kind in watch.labels.items():
        starts = [i for i in range(len(tokens) - len(gram) + 1) if tuple(tokens[i:i + len(gram)]) == gram]
        if starts and not (kind == "name" and all(i > 0 and tokens[i - 1] in checks.STREET_WORDS for i in starts)):
            found.append((kind, " ".join(gram)))
    found += [("tax code", t.upper()) for t in set(tokens) if len(t) == 16 and t.upper() in watch.codes]
    return sorted(set(found))


def test_the_indexed_scan_finds_what_the_plain_n_gram_scan_finds(tmp_path):
    import random

    names = ["Mario Rossi", "Vincenzo Giuffrida", "Anna Maria De Luca", "Luca Bianchi", "Maria Luca"]
    watch = checks.Watchlist(names, ["RSSMRA80A01C351B"], ["Via Etnea 100", "Via 4 Novembre 10"])
    vocabulary = ("mario rossi vincenzo giuffrida anna maria de luca bianchi via etnea 100 4 novembre 10 corso "
                  "rssmra80a01c351b RSSMRA80A01C351X &amp; &#77;ario <td> </td> , . \n \n\n \n \t\n").split(" ")
    rng = random.Random(11)
    scanner = checks.Scanner(str(tmp_path), watch, set())
    with_findings = 0
    for _ in range(3000):
        raw = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 25)))
        expected = reference_find(watch, __import__("html").unescape(raw))
        with_findings += bool(expected)
        assert sorted(set(scanner.privacy(raw))) == expected, raw
        assert sorted(set(watch.find(__import__("html").unescape(raw)))) == expected, raw
    assert with_findings > 1000


def test_a_name_split_by_lines_or_entities_is_still_found(tmp_path):
    watch = checks.Watchlist(names=["Mario Rossi"], codes=["RSSMRA80A01C351B"])
    (tmp_path / "a.html").write_text("<p>Mario\n\n   \n<b>x</b></p>")
    (tmp_path / "b.html").write_text("<p>&#77;ario\n\n  \nRossi</p>")
    (tmp_path / "c.json").write_text('{"t": "rssmra80a01c351b"}')
    found = checks.scan(tmp_path, watch, workers=1)
    assert found["privacy"] == ["b.html: name «mario rossi»", "c.json: tax code «RSSMRA80A01C351B»",
                                "c.json: tax-code pattern «rssmra80a01c351b»"]
    assert checks.scan(tmp_path, watch, workers=2) == found, "worker processes find the same"


def test_a_leak_on_one_page_among_many_is_found_by_the_workers(tmp_path):
    watch = checks.Watchlist(names=["Mario Rossi"], addresses=["Via Etnea 100"])
    shell = "<html>\n\n<nav>Home</nav>\n\n<article>{}</article>\n\n<footer>Via Etnea 10</footer>\n</html>"
    for i in range(1200):
        (tmp_path / f"p{i}.html").write_text(shell.format(f"Offerta {i}" if i != 777 else "MARIO ROSSI, via Etnea, 100"))
    problems = checks.scan(tmp_path, watch)["privacy"]
    assert problems == ["p777.html: address «via etnea 100»", "p777.html: name «mario rossi»"]


def test_offer_pages_in_html_match_their_markdown(seeded):
    """offer_plain.md.j2 writes the body in HTML: it must give the HTML that offer.md.j2 gives through Markdown."""
    import markdown
    import yaml

    from housing.publishing import export, pages

    config = yaml.safe_load((pages.SITE_DIR / "mkdocs.yml").read_text(encoding="utf-8"))
    extensions = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    env = pages.environment("it")
    offers = list(export.published_offers())
    offers[0] = dict(offers[0], landlord="Immobiliare Etna S.r.l.", street="Via Sant'Euplio", zone_name=None,
                     description="Bilocale (60 m²) al 2° piano: luminoso; 3 balconi/terrazzo – ascensore.")
    offers[1] = dict(offers[1], available_from=None, energy_class=None, zone=None, min_duration_months=None)
    for offer in offers[:40]:
        assert pages.plain_offer(offer), offer

        def body(name):
            _, text = pages.front_matter(env.get_template(name).render(o=offer))
            html = markdown.Markdown(extensions=extensions).convert(text)
            html = re.sub(r"\s?data-search-\w+=\"[^\"]+\"", "", html)  # what Material's search plugin removes
            # what MkDocs makes of the links (directory URLs, relative to offerte/<ref>/)
            html = html.replace('href="index.md"', 'href="../"').replace('href="../nuclei/index.md"', 'href="../../nuclei/"')
            # Python-Markdown leaves a blank line after a raw HTML block, none after a markdown="1" one
            return html.replace('</div>\n\n<div class="admonition', '</div>\n<div class="admonition')
        assert body("offer_plain.md.j2") == body("offer.md.j2")
    for text in ("**bold**", "1. primo", "a_b_c", "A & B", "x  y", "<b>", "- elenco", "[link](x)"):
        assert not pages.plain_offer(dict(offers[0], description=text)), text


def test_the_yaml_reads_back_as_the_data_the_pages_are_written_from(seeded, tmp_path):
    from housing.publishing import export

    data = export.export_all()
    data["offers"][0]["description"] = "Riga 1\nRiga 2: «virgolette», 'apici', \"doppi\", yes, no, 1e3, 0755, null, ~"
    for k, text in enumerate(["yes", "No", "~", "null", "0755", "1e3", "- elenco", "# nota", "a: b", " spazi ", "",
                              "tab\tqui", "\u00e8 😀", "\\", "{x}", "[y]", "&ancora", "*alias", "!tag", "%"]):
        data["offers"][k + 1]["description"] = text
    data["offers"][1]["monthly_rent"], data["offers"][2]["monthly_rent"] = 1e-05, 1e16
    data["statistics"]["extra"] = {"1": 1, "4+": None, "yes": [], "no": {}, "nested": [[1, [2]], {"a": [{"b": []}]}],
                                   "controls": ["c1\x9b", "a\x85b", "\u2028", "\ufeffz", "\x7f", "\x00\x1f"],
                                   "k\x85ey": 1}
    pipeline.write_yaml(data, tmp_path)
    assert pipeline.read_yaml(tmp_path) == data


def test_an_offer_title_with_quotes_and_colons_stays_valid_front_matter(seeded):
    from housing.publishing import export, pages

    offer = dict(next(iter(export.published_offers())), district='Borgo "Vecchio": centro # 1')
    for name in ("offer.md.j2", "offer_plain.md.j2"):
        meta, _ = pages.front_matter(pages.environment("it").get_template(name).render(o=offer))
        assert 'Borgo "Vecchio": centro # 1' in meta["title"], name


def _tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_sharded_italian_build_makes_the_same_site(seeded, tmp_path, monkeypatch):
    """Italian built by 1, 2 and 3 MkDocs processes, then merged: the same files, byte for byte
    (pages, search index, sitemap and its gzip)."""
    import gzip

    from housing.publishing import export, pages, shards

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # the sitemap's dates, should the day change between builds
    data = export.export_all()
    work = tmp_path / "work"
    navs = pages.write_site(data, work)
    offers = shards.offer_sources(work / "docs_it")
    assert len(offers) == len(data["offers"]) >= 6
    trees = {}
    for count in (1, 2, 3):
        release = tmp_path / f"release-{count}"
        release.mkdir()
        build.build(work, navs, release, shards=count)
        trees[count] = _tree(release)
    assert (work / "docs_it.2").exists() and (work / "site_it.2").exists()
    release = tmp_path / "release-again"
    release.mkdir()
    build.build(work, navs, release, shards=2)  # what the third shard left is removed
    assert not (work / "docs_it.2").exists() and not (work / "site_it.2").exists()
    assert not (work / "mkdocs.it.2.yml").exists() and (work / "docs_it.1").exists()
    one = trees[1]
    for count in (2, 3):
        assert sorted(trees[count]) == sorted(one), count
        different = [name for name in one if trees[count][name] != one[name]]
        assert different == [], (count, different)
    index = json.loads(one["search/search_index.json"])
    assert len({d["location"] for d in index["docs"]}) == len(index["docs"])
    assert sum(d["location"].startswith("offerte/O") for d in index["docs"]) == len(offers)
    sitemap = one["sitemap.xml"].decode()
    assert sitemap.count("<loc>") == len(set(re.findall(r"<loc>(.*?)</loc>", sitemap))) > len(offers)
    assert gzip.decompress(one["sitemap.xml.gz"]) == one["sitemap.xml"]


def test_the_merge_refuses_shards_that_disagree(tmp_path):
    from housing.publishing import shards

    parts = [["offerte/O1.md"], ["offerte/O2.md"]]
    for k, (name, text) in enumerate((("O1", "a"), ("O2", "b"))):
        root = tmp_path / f"s{k}"
        (root / "offerte" / name).mkdir(parents=True)
        (root / "offerte" / name / "index.html").write_text("offer")
        (root / "index.html").write_text(f"home {text}")
    with pytest.raises(shards.ShardError, match="index.html"):
        shards.merge(tmp_path / "s0", [tmp_path / "s1"], parts, "http://x/")


def test_large_sites_publish_through_the_shards(seeded, site, monkeypatch):
    """The pipeline shards above the threshold; the checks run on the merged release."""
    from housing.publishing import shards

    assert 1000 <= shards.SHARD_THRESHOLD, "small sites keep one process"
    assert shards.shard_count(shards.SHARD_THRESHOLD - 1) == 1
    merges = []
    real_merge = shards.merge
    monkeypatch.setattr(shards, "SHARD_THRESHOLD", 2)
    monkeypatch.setattr(shards, "merge", lambda *args: merges.append(args) or real_merge(*args))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    scanned = []
    real_check = checks.check_release
    monkeypatch.setattr(checks, "check_release", lambda release, watch: scanned.append(release) or real_check(release, watch))
    outcome, message = pipeline.publish(root=site)
    assert outcome == "success", message
    assert len(merges) == 1 and len(scanned) == 1
    assert scanned[0].name == ".incomplete-" + live(site).name, "checked before it was renamed into place"
    root = live(site)
    for offer in m.Offer.select().where((m.Offer.published == True) & (m.Offer.status == "published")):  # noqa: E712
        assert (root / "offerte" / f"O{offer.id:05d}" / "index.html").is_file()
    assert (root / "en" / "index.html").is_file()


def test_the_work_folder_is_rewritten_in_place_and_forgets_removed_offers(seeded, site):
    """Pages of offers still published keep their file (no new inode); a withdrawn offer's page goes."""
    assert pipeline.publish(root=site)[0] == "success"
    docs = Releases(site).work_folder / "docs_it" / "offerte"
    offers = list(m.Offer.select().where((m.Offer.published == True) & (m.Offer.status == "published")))  # noqa: E712
    kept, withdrawn = offers[0], offers[1]
    inode = (docs / f"O{kept.id:05d}.md").stat().st_ino
    m.Offer.update(published=False).where(m.Offer.id == withdrawn.id).execute()
    m.Offer.update(monthly_rent=m.Offer.monthly_rent + 1).where(m.Offer.id == kept.id).execute()
    assert pipeline.publish(root=site)[0] == "success"
    assert (docs / f"O{kept.id:05d}.md").stat().st_ino == inode
    assert not (docs / f"O{withdrawn.id:05d}.md").exists()
    assert not (live(site) / "offerte" / f"O{withdrawn.id:05d}").exists()
    assert (live(site) / "offerte" / f"O{kept.id:05d}" / "index.html").is_file()


def test_two_publishers_cannot_share_a_work_folder(seeded, site):
    from housing.publishing.releases import WorkFolderBusy

    with Releases(site).working():
        with pytest.raises(WorkFolderBusy):
            pipeline.publish(root=site)
    assert live(site) is None
    assert pipeline.publish(root=site)[0] == "success"


@pytest.fixture
def figures_file(tmp_path, monkeypatch):
    """A copy of the content folder for the publisher to read; returns a function that changes a figure."""
    import shutil

    import yaml

    from housing.publishing import pages

    content = tmp_path / "content"
    shutil.copytree(pages.CONTENT_DIR, content, ignore=shutil.ignore_patterns("generated"))
    monkeypatch.setattr(pages, "CONTENT_DIR", content)
    path = content / "figures.yaml"

    def change(section, key, value):
        figures = yaml.safe_load(path.read_text(encoding="utf-8"))
        figures[section][key]["value"] = value
        path.write_text(yaml.safe_dump(figures, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return change


@pytest.mark.parametrize("section, key, value", [
    ("flat_tax", "concordato", -5.0),  # "Cedolare secca al 10% invece del -500%"
    ("sustainability", "threshold", 30),  # a percentage where the file writes fractions
    ("programme", "landlord_grant", -1500),
    ("programme", "guarantee_months", 1.5),
])
def test_a_figure_out_of_range_fails_the_publication_and_the_live_site_stays(seeded, site, figures_file,
                                                                            section, key, value):
    from housing.publishing import schemas

    assert pipeline.publish(root=site)[0] == "success"
    before = live(site)
    served = (before / "index.html").read_bytes()
    guides = sorted(p.relative_to(before) for p in before.rglob("*.html"))
    figures_file(section, key, value)
    with pytest.raises(schemas.SchemaError) as failure:
        pipeline.publish(root=site, force=True)
    message = str(failure.value)
    assert "figures.yaml" in message and f"{section}/{key}/value" in message, message
    assert live(site) == before and (before / "index.html").read_bytes() == served
    assert sorted(p.relative_to(before) for p in before.rglob("*.html")) == guides
    assert [p.name for p in Releases(site).kept()] == [before.name]
    assert not [p for p in (site / "releases").iterdir() if p != before], "nothing was built"
