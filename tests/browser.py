"""Playwright driving Debian's chromium (never a downloaded browser)."""
import contextlib
import os
import shutil

import pytest

from housing.publishing.accessibility import CHROMIUM, served, serving

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def require_browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium); .ci/run installs it")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("browser tests need the playwright Python package (pip install -e '.[test]')")


@contextlib.contextmanager
def chromium_browser():
    """Debian's chromium under Playwright (skips the test where it is missing)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def chromium_page():
    with chromium_browser() as browser:
        yield browser.new_page()


@contextlib.contextmanager
def serve_directory(path):
    """Serve ``path`` on a free loopback port; yield the base URL (the publisher's own static server)."""
    with served(path) as base:
        yield base


@contextlib.contextmanager
def serve_app(app):
    """Serve the WSGI ``app`` on a free loopback port, in threads; yield its base URL without the final "/"."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    with serving(make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)) as base:
        yield base.rstrip("/")


def log_in(page, base, username, password=None):
    """Log ``page`` in through the login form as ``username`` (the suite's password by default)."""
    from conftest import PASSWORD

    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit].btn-primary")
    assert "/auth/login" not in page.url, f"login of {username} failed"
