"""Hostile strings, and how they must look on a page once escaped."""

SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# Closes the value="…" attribute it is printed in and adds an event handler.
ATTRIBUTE = '" autofocus onfocus="alert(1)'
ATTRIBUTE_ESCAPED = "&quot; autofocus onfocus=&quot;alert(1)"

# Closes a text element and opens markup of its own.
MARKUP = "</p><img src=x onerror=alert(1)>"
MARKUP_ESCAPED = "&lt;/p&gt;&lt;img src=x onerror=alert(1)&gt;"

HOSTILE = [SCRIPT, ATTRIBUTE, MARKUP]
ESCAPED = {SCRIPT: SCRIPT_ESCAPED, ATTRIBUTE: ATTRIBUTE_ESCAPED, MARKUP: MARKUP_ESCAPED}


def assert_escaped(page: str, payload: str) -> None:
    """The payload is on the page only in its escaped form."""
    assert payload not in page
    assert ESCAPED[payload] in page
