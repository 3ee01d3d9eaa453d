"""Browser tests: Playwright for Python driving Debian's Chromium.

The browser is never downloaded by Playwright: it is /usr/bin/chromium from
the `chromium` package (.ci/run installs it). Without it the tests skip
locally, and fail under CI=true, where nothing may be skipped.
"""

import os

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# The `browser` fixture itself is in tests/conftest.py: one Chromium per session, shared
# with tests/standards (Playwright's sync API allows one instance per thread).


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)  # each test starts Django's live server


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("requestfailed", lambda req: page.errors.append(f"failed: {req.url}"))
    page.on(
        "response",
        lambda r: page.errors.append(f"{r.status}: {r.url}") if r.status >= 400 else None,
    )
    page.base = live_server.url
    yield page
    context.close()
