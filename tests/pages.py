"""Reading a page that a test then checks for something absent.

"X is not on the page" also holds for a 403, a 404 or a login redirect, so such a
test reads the page through ``loaded_page``: status 200 and some text that only the
intended page has, before anything is asserted absent.
"""


def loaded_page(response, *expected: str) -> str:
    """The page's text, once it has loaded (200) with each of the expected texts."""
    assert response.status_code == 200, response.status_code
    page = response.content.decode("utf-8-sig")
    for text in expected:
        assert text in page, text
    return page
