"""MkDocs hook: pages outside the navigation are written from one rendered shell.

The 10,000 offer pages are the same Material page around a different title,
heading and body. Building each of them through Python-Markdown and Material's
whole template cost about 4 ms of CPU a page; two thirds of it in Python's
HTMLParser reading the body, the rest in the template. This hook does that work
once per kind of page:

- **Plain HTML passed around Python-Markdown.** An offer page is a heading and
  one block of plain HTML (``offer_plain.md.j2``); the offer listing holds a
  list of 10,000 links in HTML. Markdown keeps such blocks as they are, after
  parsing them with Python's HTMLParser; the hook hands Markdown a placeholder
  paragraph instead and puts the block back in place of its HTML.
- **One shell per kind of page.** For a page outside the navigation whose
  table of contents is its single heading, ``overrides/main.html`` asks
  ``hf_shell_ready``: the hook renders the full template once with placeholder
  title, anchor, address and body (the *shell*) and from then on fills the
  placeholders instead of rendering Material's template again.

Neither changes a byte of the output, and the hook checks it itself: the first
pages of each kind, the first page whose title holds a character that HTML
escapes, and one page in ``VERIFY_EVERY`` are rendered in full and compared
with the filled shell. A difference before the shell was trusted makes the
hook render those pages in full (as without it); a difference afterwards fails
the build, so the live site is never replaced by a wrong one.
tests/test_publishing.py builds the demo site with and without this hook and
compares every file.
"""
import logging
import posixpath
import re
from urllib.parse import urljoin

import jinja2
from mkdocs.exceptions import PluginError

from housing import settings

log = logging.getLogger("mkdocs.hooks.page_shell")

VERIFY_FIRST = 2  # pages of each kind rendered in full before the shell is trusted
VERIFY_EVERY = 500  # then one page in this many, as a tripwire (HOUSING_SHELL_VERIFY_EVERY for tests)
TOKEN = "hf0shell0{}0"
# The body's placeholder holds "<h1" as a body does: without one Material would add a heading.
PLACEHOLDERS = {name: TOKEN.format(name) for name in ("title", "anchor", "slug")}
PLACEHOLDERS["content"] = TOKEN.format("content") + "<h1>"
SLOTS = {text: name for name, text in PLACEHOLDERS.items()}
TOKENS = re.compile("(" + "|".join(re.escape(text) for text in SLOTS) + ")")
# A block of HTML that starts a line after a blank line, holds no blank line and closes on its last line:
# Python-Markdown keeps it as it is, and so does this hook, without parsing it.
RAW_BLOCK = re.compile(r"(?:^|(?<=\n\n))(<(div|table|ul|ol|figure|p)\b[^>\n]*>(?:(?!\n\n).)*?</\2>)(?=\n\n|\n?$)", re.S)
MARKDOWN_IN_HTML = re.compile(r"<[a-z][^>]*\smarkdown(?:=|\s|>)", re.I)
# Pages where a block may sit in code, a comment or a script, which Markdown reads otherwise: left alone.
UNSAFE_PAGE = re.compile(r"```|~~~|<!--|<(?:pre|script|style|textarea)\b", re.I)
# An ampersand that does not start a complete reference: Python-Markdown would rewrite it.
LOOSE_AMPERSAND = re.compile(r"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
ESCAPED = "&<>\"'"

_in_nav = set()
_raw = {}  # src_uri -> the HTML block taken out of the Markdown
_shells = {}  # kind -> Shell
_pending = {}  # src_uri -> (kind, title signature, expected output): rendered in full, compared after
_state = {"site_url": None, "rendering": False, "output": None, "every": VERIFY_EVERY}


class Shell:
    def __init__(self, parts):
        self.parts = parts  # literal text and token names, alternately
        self.verified = 0
        self.used = 0
        self.seen = 0
        self.signatures = set()  # title signatures (escapable characters) seen rendered identically
        self.refused = set()

    def fill(self, values):
        return "".join(values[part] if k % 2 else part for k, part in enumerate(self.parts))


class AnchorLink:
    """A table-of-contents entry with placeholder values."""

    def __init__(self, title, id, level, children):
        self.title, self.id, self.level, self.children = title, id, level, children
        self.url = "#" + id


class PlaceholderPage:
    """The page as the template sees it, with placeholders for what differs from page to page."""

    def __init__(self, page, values):
        self._page = page
        self.title = values["title"]
        self.content = values["content"]
        self.meta = dict(page.meta, title=values["title"])
        self.toc = [AnchorLink(values["title"], values["anchor"], 1, [])]
        self.url = posixpath.dirname(page.url.rstrip("/")) + "/" + values["slug"] + "/"
        self.canonical_url = urljoin(_state["site_url"], self.url) if _state["site_url"] else None
        self.abs_url = None

    def __getattr__(self, name):
        return getattr(self._page, name)


def on_config(config):
    _state["site_url"] = config.site_url
    _state["every"] = int(settings.get("HOUSING_SHELL_VERIFY_EVERY") or VERIFY_EVERY)
    for store in (_in_nav, _raw, _shells, _pending):
        store.clear()


def on_nav(nav, config, files):
    _in_nav.clear()
    _in_nav.update(page.file.src_uri for page in nav.pages)


def one_element(block, tag):
    """True when ``block`` is one ``tag`` element, closed by its last end tag and by no earlier one."""
    depth, last = 0, block.rfind(f"</{tag}>")
    for match in re.finditer(rf"<(/?){tag}\b", block):
        depth += -1 if match.group(1) else 1
        if depth < 0 or (depth == 0 and match.start() != last):
            return False
    return depth == 0


def on_page_markdown(markdown, page, config, files):
    """Blocks of plain HTML leave the Markdown for a placeholder paragraph each; on_page_content puts them back."""
    if "hf0shell0" in markdown or MARKDOWN_IN_HTML.search(markdown) or UNSAFE_PAGE.search(markdown):
        return markdown  # HTML that holds Markdown, code or comments: left to Python-Markdown
    blocks = []

    def stash(match):
        block, tag = match.group(1), match.group(2)
        if not one_element(block, tag) or LOOSE_AMPERSAND.search(block):
            return block  # Markdown decides where it ends, or rewrites part of it
        blocks.append(block)
        return TOKEN.format(f"raw{len(blocks) - 1}")

    markdown = RAW_BLOCK.sub(stash, markdown)
    if blocks:
        _raw[page.file.src_uri] = blocks
    return markdown


def on_page_content(html, page, config, files):
    blocks = _raw.pop(page.file.src_uri, None)
    for k, block in enumerate(blocks or ()):
        token = TOKEN.format(f"raw{k}")
        marker = f"<p>{token}</p>"
        if html.count(marker) == 1:
            # Markdown keeps the line break that follows a block, except at the very end of the page.
            html = html[:-len(marker)] + block if html.endswith(marker) else html.replace(marker, block + "\n")
        elif html.count(token) == 1:
            html = html.replace(token, block)  # inside a larger block of HTML, which Markdown kept as it is
        else:
            raise PluginError(f"page_shell: a block of HTML of {page.file.src_uri} lost its place")
    return html


def _values(page):
    """The placeholder values of ``page``, or None when the page is not one the shell can give."""
    if page is None or page.file is None or page.file.src_uri in _in_nav or not page.url.endswith("/"):
        return None
    title, toc = (page.meta or {}).get("title"), list(page.toc or ())
    if not isinstance(title, str) or not title.strip() or len(toc) != 1 or toc[0].level != 1 or list(toc[0].children):
        return None
    slug = posixpath.basename(page.url.rstrip("/"))
    if not _state["site_url"] or page.canonical_url != urljoin(_state["site_url"], page.url):
        return None
    values = {"title": title, "anchor": toc[0].id, "slug": slug, "content": page.content or ""}
    if "<h1" not in values["content"] or any("hf0shell0" in value for value in values.values()) or not re.fullmatch(r"[\w.-]+", slug + toc[0].id):
        return None
    return values


def _kind(page):
    meta = {key: value for key, value in page.meta.items() if key != "title"}
    return page.meta.get("template", "main.html"), posixpath.dirname(page.url.rstrip("/")), repr(sorted(meta.items()))


def _render_shell(context, page):
    variables = dict(context.get_all(), page=PlaceholderPage(page, PLACEHOLDERS))
    template = context.environment.get_template(page.meta.get("template", "main.html"))
    _state["rendering"] = True
    try:
        text = template.render(variables)
    finally:
        _state["rendering"] = False
    parts = TOKENS.split(text)
    return Shell([SLOTS[part] if k % 2 else part for k, part in enumerate(parts)])


@jinja2.pass_context
def shell_ready(context, page):
    """True when the page's output is ready from its shell (``hf_shell_output`` gives it)."""
    if _state["rendering"]:
        return False
    values = _values(page)
    if values is None:
        return False
    kind = _kind(page)
    shell = _shells.get(kind)
    if shell is None:
        shell = _shells[kind] = _render_shell(context, page)
    signature = "".join(sorted(set(ESCAPED) & set(values["title"])))
    if None in shell.refused or signature in shell.refused:
        return False  # rendered in full: the shell gave another page than the template for these
    shell.seen += 1
    output = shell.fill(values)
    if shell.verified < VERIFY_FIRST or signature not in shell.signatures or shell.seen % _state["every"] == 0:
        _pending[page.file.src_uri] = (kind, signature, output)
        return False
    shell.used += 1
    _state["output"] = output
    return True


def shell_output():
    output, _state["output"] = _state["output"], None
    return output


def on_env(env, config, files):
    env.globals.update(hf_shell_ready=shell_ready, hf_shell_output=shell_output)
    return env


def on_post_page(output, page, config):
    pending = _pending.pop(page.file.src_uri, None)
    if pending is None:
        return output
    kind, signature, expected = pending
    shell = _shells[kind]
    if output == expected:
        shell.verified += 1
        shell.signatures.add(signature)
        return output
    at = next((k for k, (a, b) in enumerate(zip(output, expected)) if a != b), min(len(output), len(expected)))
    where = f"{page.file.src_uri}, character {at}: {output[at - 40:at + 40]!r} != {expected[at - 40:at + 40]!r}"
    if shell.used == 0 or signature not in shell.signatures:
        # Nothing was written from the shell for these pages yet: render them in full, as without the hook.
        shell.refused.add(None if shell.used == 0 else signature)
        log.info("page_shell: rendering in full (%s)", where)
        return output
    raise PluginError(f"page_shell: the shell gave another page than the template ({where})")


def on_post_build(config):
    for (template, folder, _), shell in _shells.items():
        log.debug("page_shell: %s/ (%s): %d pages from the shell, %d checked in full, refused: %s",
                  folder, template, shell.used, shell.verified, sorted(map(str, shell.refused)) or "none")
