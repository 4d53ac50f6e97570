"""The same page in the other language, and the site's editorial pages.

Every page the publisher writes has a key (the home page, a listing, a guide section, a guide, an
editorial page); its front matter names the page of the same key in the other language
(``hf_alternate``: its path inside that language's build), and the language switcher
(``site/overrides/partials/alternate.html``) links there instead of the other language's home page.
Offer pages exist once, bilingual, in the Italian build: their English counterpart is the English
listing (written in their templates, the same for every offer).

Editorial pages (the accessibility statement, legal notes, privacy notice, contacts) are Markdown
files under ``content/pages/<lang>/``, one stem in both languages; their front matter gives the
``slug`` (the page's address in that language), the ``title`` and the ``footer`` position (the
footer links them in that order: ``site/overrides/partials/copyright.html``).
"""
import json

from housing.publishing import pages

OTHER = {"it": "en", "en": "it"}


def editorial_pages(lang):
    """(stem, metadata) of the editorial pages of ``lang`` besides the home page, in footer order."""
    folder = pages.CONTENT_DIR / "pages" / lang
    found = []
    for path in sorted(folder.glob("*.md")) if folder.exists() else []:
        if path.stem != "index":
            meta, _ = pages.front_matter(path.read_text(encoding="utf-8"))
            found.append((path.stem, meta))
    return sorted(found, key=lambda page: (page[1].get("footer", 99), page[0]))


def page_paths(lang):
    """{key: path of the page's Markdown file inside the build of ``lang``} for every keyed page."""
    paths = {"home": "index.md"}
    paths.update({key: f"{names[lang]}/index.md" for key, names in pages.PATHS.items()})
    for section, names in pages.SECTIONS.items():
        paths[("section", section)] = f"{names[lang][0]}/index.md"
    for section, stem, _, _ in pages.guides(lang):
        paths[("guide", stem)] = f"{pages.SECTIONS.get(section, pages.SECTIONS['programme'])[lang][0]}/{stem}.md"
    for stem, meta in editorial_pages(lang):
        paths[("page", stem)] = f"{meta.get('slug', stem)}.md"
    return paths


def address(markdown_path):
    """The address of a Markdown page inside its build: 'offerte/index.md' -> 'offerte/', 'index.md' -> ''."""
    stem = markdown_path.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


class Counterparts:
    """The address, in the other language's build, of the page of each key of ``lang``."""

    def __init__(self, lang):
        self.others = page_paths(OTHER[lang])

    def front_matter(self, text, key):
        """``text`` (a page with or without front matter) naming its counterpart, when the other language has one."""
        if key not in self.others:
            return text
        line = f"hf_alternate: {json.dumps(address(self.others[key]))}\n"
        return "---\n" + line + text[4:] if text.startswith("---\n") else f"---\n{line}---\n{text}"
