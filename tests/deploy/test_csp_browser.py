"""No Content-Security-Policy violation in a real browser, under the production CSP.

The pages are served by gunicorn in production mode, as `make serve` runs it
(hashed static files through WhiteNoise, the production settings' headers).

Chromium is driven through Playwright's async API on a thread of its own: the
sync API of tests/browser/ holds this thread's event loop for the whole session,
and two sync instances cannot share a thread.
"""

import asyncio
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.browser.conftest import CHROMIUM, FLAGS
from tests.deploy.servers import SITE_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # Chromium against gunicorn

# Recorded by the browser itself for every blocked script, style, image, frame…
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile || e.documentURI}`);
});
"""


@pytest.fixture(scope="module")
def chromium():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def in_browser(base: str, scenario):
    """Run ``await scenario(page)`` in a fresh Chromium page; return (its result, CSP violations, errors)."""

    async def main():
        from playwright.async_api import async_playwright

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            try:
                context = await browser.new_context(
                    locale="ja-JP", viewport={"width": 1280, "height": 900}
                )
                await context.add_init_script(RECORD_VIOLATIONS)
                page = await context.new_page()
                page.base = base
                errors = []
                page.on("console", lambda msg: _console_error(errors, msg))
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.on("requestfailed", lambda req: errors.append(f"failed: {req.url}"))
                page.on(
                    "response",
                    lambda r: errors.append(f"{r.status}: {r.url}") if r.status >= 400 else None,
                )
                result = await scenario(page)
                violations = await page.evaluate("window.__csp")
                return result, violations, errors
            finally:
                await browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result(timeout=180)


def _console_error(errors, msg):
    # The browser asks for /favicon.ico by itself on admin pages, which link no icon
    # (not a request of the page, and not a CSP matter); every other error counts.
    if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
        errors.append(f"{msg.text} ({msg.location.get('url')})")


def test_the_admin_login_page_has_no_csp_violation(chromium, local_server):
    async def scenario(page):
        await page.goto(page.base + "/admin/login/")
        return await page.locator("#id_username").is_visible()

    visible, violations, errors = in_browser(local_server.url, scenario)
    assert visible
    assert violations == []
    assert errors == []


def test_the_admin_index_has_no_csp_violation(chromium, local_server):
    async def scenario(page):
        await page.goto(page.base + "/admin/login/")
        await page.fill("#id_username", "secretariat")
        await page.fill("#id_password", SITE_PASSWORD)
        await page.click("input[type=submit]")
        await page.wait_for_url(page.base + "/admin/")
        return await page.locator("#site-name").is_visible()

    visible, violations, errors = in_browser(local_server.url, scenario)
    assert visible
    assert violations == []
    assert errors == []


def test_the_open_data_page_has_no_csp_violation(chromium, local_server):
    async def scenario(page):
        await page.goto(page.base + "/opendata/")
        return await page.locator("h1").inner_text()

    heading, violations, errors = in_browser(local_server.url, scenario)
    assert heading == "オープンデータ"
    assert violations == []
    assert errors == []


def test_an_inline_style_is_blocked_and_reported(chromium, local_server):
    async def scenario(page):
        await page.goto(page.base + "/opendata/")
        await page.evaluate(
            "() => { const s = document.createElement('style');"
            " s.textContent = 'h1 { display: none }'; document.head.appendChild(s); }"
        )
        await page.wait_for_function("window.__csp.length > 0", timeout=10_000)
        return await page.locator("h1").is_visible()

    visible, violations, _ = in_browser(local_server.url, scenario)
    assert visible
    assert any(v.startswith("style-src") for v in violations)
