"""axe-core (node_modules/axe-core, pinned in package-lock.json) finds no violation of
WCAG 2.0/2.1 A and AA or WCAG 2.2 AA on any public page, ja and en, at 390 and 1280 px."""

import pytest

from tests.standards.pages import public_paths

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = [390, 1280]


@pytest.fixture
def paths(django_db_blocker):
    # transaction=True tests start from an empty database: load the vision for them.
    from vision.loader import load_vision, read_fixtures  # noqa: PLC0415

    plan, statistics = read_fixtures()
    load_vision(plan=plan, statistics=statistics)
    return public_paths()


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_wcag_violation_on_any_public_page(browser, live_server, axe_js, paths, width):
    # bypass_csp: the site forbids inline scripts (strict CSP); axe is injected for the test only.
    context = browser.new_context(
        locale="ja-JP", viewport={"width": width, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    found = []
    try:
        for path in paths:
            response = page.goto(live_server.url + path, wait_until="networkidle")
            assert response.status == 200, path
            page.add_script_tag(content=axe_js)
            violations = page.evaluate(
                "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')))",
                TAGS,
            )
            found += [f"{path} @{width}px {v}" for v in violations]
    finally:
        context.close()
    assert not found, "\n".join(found)
