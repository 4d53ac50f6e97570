"""Security headers on every response of the back office, error pages included.

The Content-Security-Policy runs only scripts served by the app itself: no
inline ``<script>``, no ``eval``, nothing from other hosts, and no framing
(``frame-ancestors 'none'``, with ``X-Frame-Options`` for older browsers).

Two exceptions, each for a reason:

- ``style-src 'unsafe-inline'``: Flask-Admin's select2 copies ``style``
  attributes and its form.js writes markup with them; blocking them breaks the
  forms' layout. Styles cannot run code.
- Flask-Admin 2.2's own templates (third-party, not copied here) write a few
  inline event handlers: the inline-row "Add" button, the delete confirmation,
  the bulk actions and the filter menu. A page that contains one of these exact
  shapes gets its text allowed by hash (``'unsafe-hashes'``); any other inline
  handler stays blocked. Our own templates have none (tests/test_headers.py).
"""
import base64
import hashlib
import html
import re

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

# The inline handlers of Flask-Admin 2.2's bootstrap4 templates, argument by
# argument (an identifier, or a confirmation text without quotes or markup).
FLASK_ADMIN_HANDLERS = re.compile(
    r"""\sonclick="("""
    r"""return false;"""
    r"""|faForm\.addInlineField\(this, '[\w-]+'\);"""
    r"""|return modelActions\.execute\('[\w-]+'\);"""
    r"""|return faHelpers\.safeConfirm\('[^'"<>\\]*'\);"""
    r""")\"""")


def handler_hashes(page):
    """CSP sources for the Flask-Admin inline handlers found in ``page``."""
    found = {html.unescape(text) for text in FLASK_ADMIN_HANDLERS.findall(page)}
    return sorted("'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"
                  for text in found)


def policy_for(response):
    policy = dict(POLICY)
    if response.mimetype == "text/html" and not response.is_streamed:
        hashes = handler_hashes(response.get_data(as_text=True))
        if hashes:
            policy["script-src"] = " ".join(["'self'", "'unsafe-hashes'", *hashes])
    return "; ".join(f"{name} {sources}" for name, sources in policy.items())


def secure(response):
    """Add the security headers to ``response`` (a view may set its own first)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = policy_for(response)
    return response


def init_app(app):
    app.after_request(secure)
