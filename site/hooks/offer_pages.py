"""MkDocs hooks that make pages outside the navigation (the offer pages) cheaper to build.

The output is the same as without them; only the work is done once instead of
once per page.

- Navigation sidebar, rendered once per key. Every page embeds the whole
  navigation (the primary sidebar, which is also the drawer on small screens).
  On a page outside the navigation no entry is active, so the sidebar depends
  only on the page's folder (its links are relative), its ``hide`` list and its
  table of contents: ``overrides/main.html`` asks ``hf_nav_key`` for that key
  and reuses the HTML rendered for the first page with the same key.
- Title-only search entries. A page whose front matter says
  ``search: {title_only: true}`` is indexed from its first heading only (its
  body is in a ``data-search-exclude`` block anyway): Material's own search
  parser reads the heading, not the whole page.
"""
import posixpath

from mkdocs.plugins import event_priority

_in_nav = set()
_sidebars = {}


def on_nav(nav, config, files):
    _in_nav.clear()
    _in_nav.update(page.file.src_uri for page in nav.pages)
    _sidebars.clear()


def _toc(items):
    return tuple((item.title, item.url, item.level, _toc(item.children)) for item in items)


def nav_key(page):
    """The key of the rendered sidebar of ``page``, or None when it must be rendered for this page alone."""
    if page is None or page.file is None or page.file.src_uri in _in_nav:
        return None
    toc = list(page.toc)
    if len(toc) == 1 and toc[0].level == 1:  # Material shows the children of a single top heading
        toc = list(toc[0].children)
    hide = tuple((page.meta or {}).get("hide") or ())
    return posixpath.dirname(page.url.rstrip("/")), page.url.count("/"), hide, _toc(toc)


def remember(key, rendered):
    if key is not None:
        _sidebars[key] = rendered
    return rendered


def on_env(env, config, files):
    env.globals.update(hf_nav_key=nav_key, hf_nav_cached=_sidebars.get, hf_nav_remember=remember)
    return env


@event_priority(100)  # before the search plugin
def on_page_context(context, page, config, nav):
    search = (page.meta or {}).get("search") or {}
    if not search.get("title_only"):
        return context
    plugin = config.plugins.get("material/search") or config.plugins.get("search")
    index = getattr(plugin, "search_index", None)
    end = page.content.find("</h1>")
    if index is None or end < 0:
        return context
    content = page.content
    page.content = content[:end + len("</h1>")]
    try:
        index.add_entry_from_context(page)
    finally:
        page.content = content
    page.meta["search"] = dict(search, exclude=True)  # the search plugin skips the body
    return context
