"""MkDocs hook: offer pages are indexed by their title only.

A page whose front matter says ``search: {title_only: true}`` is indexed from
its first heading only (its body is in a ``data-search-exclude`` block
anyway): Material's own search parser reads the heading, not the whole page,
and 10,000 offers add 10,000 short entries to the search index, not their
tables. (Rendering the pages once for all is hooks/page_shell.py's job.)
"""
from mkdocs.plugins import event_priority


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
