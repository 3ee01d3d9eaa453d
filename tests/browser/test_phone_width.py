"""No public page is wider than a 320 px phone (WCAG 1.4.10 Reflow): wide tables scroll
inside their own box, the page itself never scrolls sideways. Japanese and English."""

import pytest

from tests.standards.pages import public_paths

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 320


@pytest.fixture
def urls():
    # transaction=True tests start from an empty database: load the vision for them.
    from vision.loader import load_vision, read_fixtures

    plan, statistics = read_fixtures()
    load_vision(plan=plan, statistics=statistics)
    return public_paths()


def test_no_public_page_is_wider_than_a_320_pixel_phone(page, urls):
    page.set_viewport_size({"width": WIDTH, "height": 640})
    wide = {}
    for url in urls:
        response = page.goto(page.base + url, wait_until="networkidle")
        assert response.status == 200, url
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            wide[url] = width
    assert wide == {}


def test_the_document_s_wide_tables_scroll_in_their_own_labelled_box(page, urls):
    page.set_viewport_size({"width": WIDTH, "height": 640})
    page.goto(page.base + "/document/", wait_until="networkidle")
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.doc-table--wide, .doc-table--matrix')].map(t => {
            const box = t.parentElement;
            return {caption: t.caption && t.caption.id,
                    region: box.getAttribute('role') === 'region' && box.tabIndex === 0
                            && box.getAttribute('aria-labelledby') === (t.caption && t.caption.id),
                    scrolls: getComputedStyle(box).overflowX === 'auto',
                    inside: box.getBoundingClientRect().right <= window.innerWidth};
        })"""
    )
    assert len(boxes) == 5
    assert all(b["region"] and b["scrolls"] and b["inside"] for b in boxes), boxes
