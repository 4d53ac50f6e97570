"""What may run on a page of the public site, and whether it is the site's own.

A release is refused (``checks.check_release``, kind "active content") when a page
holds a <script> other than the files under the site's assets and the theme's inline
scripts (those whose hashes the site's Content-Security-Policy lists: exactly what a
browser would run), an event-handler attribute, a javascript: URL, or a frame or
plug-in element. Every value is escaped before it reaches a page
(``pages.environment``): this check is the net under that, for a template or a hook
that lets markup through.

``active_findings`` reads one chunk of a page (the scanner's memo, see checks.py):
a tag left open across a blank line is refused, since its attributes would be read
with the next chunk's.
"""
import base64
import functools
import hashlib
import html
import re

from housing import paths

SITE_CONFIG = paths.site_project() / "mkdocs.yml"

# Start tags with attributes, as a browser reads them (a quote opens a value only
# after "=", so no quote hides an attribute), and script, frame and plug-in elements, case aside;
# both without IGNORECASE, which would cost the regex its fast scan for "<".
TAG_WITH_ATTRIBUTES = re.compile(r"""<[a-zA-Z][\w:-]*[\s/][^>=]*(?:=\s*(?:"[^"]*"|'[^']*'|[^\s>]*)[^>=]*)*>?""")
# What a tag needs to run something: an attribute name starting with "on" (after a space, a slash or a
# quote), a script URL or a character reference that could spell one (plain substring tests: fastest).
ACTIVE_HINTS = (" on", "\non", "\ton", "\ron", "\fon", "/on", '"on', "'on", "script", "&")
ATTRIBUTE = re.compile(r"""[\s/]*([^\s/>][^\s/>=]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
ACTIVE_ELEMENT = re.compile("<(" + "|".join("".join(f"[{c}{c.upper()}]" for c in name) for name in (
    "script", "iframe", "frameset", "frame", "object", "embed", "applet", "base")) + r")(?=[\s/>]|$)")
ANY_TAG = re.compile(r"<[^>]*>?")
TAG_NAME = re.compile(r"<[^\s/>]*")
TAG_NAME_ONLY = re.compile(r"<[a-zA-Z][\w:-]*")
SCRIPT_END = re.compile(r"</script", re.I)
# Browsers ignore ASCII whitespace and control characters inside a URL's scheme ("java\tscript:").
URL_IGNORED = re.compile(r"[\x00-\x20\x7f]+")
SCRIPT_URL = ("javascript:", "vbscript:")
# Attributes whose value a browser follows or loads as a URL (SVG animations can set one: to, values...).
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite",
                  "codebase", "ping", "srcset", "lowsrc", "dynsrc", "longdesc", "manifest", "icon", "archive",
                  "classid", "to", "from", "values", "by"}
# The site's own script files: under its assets folder (the theme's bundle and site/static/assets).
OWN_SCRIPT = re.compile(r"(?:\.\./)*/?(?:[\w-]+/)*assets/(?:[\w-]+/)*[\w.-]+\.js")
# The theme's configuration: a data block (never run), as Material writes it.
THEME_DATA = {"id": "__config", "type": "application/json"}


@functools.cache
def base_policy():
    """The policy written in site/mkdocs.yml (``extra.content_security_policy``)."""
    import yaml

    return yaml.safe_load(SITE_CONFIG.read_text(encoding="utf-8"))["extra"]["content_security_policy"]


def site_policy():
    """The Content-Security-Policy of every page: site/mkdocs.yml's, whose ``form-action`` also allows the
    origin of the back office's endpoint for the landlords' form (HOUSING_PROPOSAL_URL), and no other."""
    from housing import landlord_proposals

    origin = landlord_proposals.origin(landlord_proposals.endpoint_url())
    policy = base_policy()
    return re.sub(r"form-action 'self'", lambda m: f"form-action 'self' {origin}", policy) if origin else policy


@functools.cache
def site_script_hashes():
    """The hashes of the inline scripts the site's policy lets run: the theme's own."""
    return frozenset(re.findall(r"'(sha256-[A-Za-z0-9+/=]+)'", base_policy()))


def script_hash(body):
    return "sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()


def attributes(tag):
    """(name, value) of each attribute of a start tag, names in lower case, values unescaped (None when absent)."""
    found = []
    for match in ATTRIBUTE.finditer(tag.rstrip(">"), TAG_NAME.match(tag).end()):
        value = match.group(2)
        if value is not None:
            value = html.unescape(value[1:-1] if value[:1] in "\"'" and len(value) > 1 else value)
        found.append((match.group(1).lower(), value))
    return found


def active_findings(chunk, script_hashes):
    """What may run in a chunk of HTML and is not the site's own, as problem descriptions."""
    found = []
    last = chunk.rfind("<")
    if TAG_NAME_ONLY.fullmatch(chunk, last if last >= 0 else len(chunk)):
        found.append(f"a tag left open across a blank line: {chunk[last:][:120]}")  # its attributes are in the next chunk
    for tag in TAG_WITH_ATTRIBUTES.findall(chunk):
        if not tag.endswith(">"):
            found.append(f"a tag left open across a blank line or by a quote: {tag[:120]}")
        lowered = tag.lower()
        if not any(hint in lowered for hint in ACTIVE_HINTS):
            continue
        for name, value in attributes(tag):
            if name.startswith("on"):
                found.append(f"event-handler attribute «{name}» in {tag[:120]}")
            elif name in URL_ATTRIBUTES and value and URL_IGNORED.sub("", value).lower().startswith(SCRIPT_URL):
                found.append(f"script URL in {tag[:120]}")
    for match in ACTIVE_ELEMENT.finditer(chunk):
        tag = TAG_WITH_ATTRIBUTES.match(chunk, match.start()) or ANY_TAG.match(chunk, match.start())
        element, tag = match.group(1).lower(), tag.group(0)
        if element != "script":
            found.append(f"active element {tag[:120]}")
            continue
        values = dict(attributes(tag))
        if "src" in values:
            if not OWN_SCRIPT.fullmatch(values["src"] or ""):
                found.append(f"script not among the site's own assets «{values['src']}»")
            continue
        end = SCRIPT_END.search(chunk, match.start() + len(tag))
        if end is None:
            found.append(f"inline script not among the site's own (not closed in its block): {tag[:120]}")
        elif values != THEME_DATA:
            digest = script_hash(chunk[match.start() + len(tag):end.start()])
            if digest not in script_hashes:
                found.append(f"inline script not among the site's own ({digest})")
    return found
