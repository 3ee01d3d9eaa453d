"""A small reader for the public pages' HTML (standard library only).

``tables(html)`` gives every table as {"caption", "headers", "rows"} where headers
are the column headers' texts (th scope=col) and rows are lists of cell texts;
``text(html)`` gives the visible text with tags removed.
"""

import re
from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables = []
        self.stack = []  # open tables
        self.cell = None
        self.row = None
        self.in_caption = False
        self.th_scopes = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.cell is not None:
            self.cell["text"] += " "  # inner elements read as separate words
        if tag == "table":
            self.stack.append({"caption": "", "headers": [], "rows": [], "scopes": []})
        elif not self.stack:
            return
        elif tag == "caption":
            self.in_caption = True
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = {"tag": tag, "scope": attrs.get("scope"), "text": ""}

    def handle_endtag(self, tag):
        if not self.stack:
            return
        if self.cell is not None and tag not in ("td", "th"):
            self.cell["text"] += " "
        table = self.stack[-1]
        if tag == "caption":
            self.in_caption = False
        elif tag in ("td", "th") and self.cell is not None:
            text = " ".join(self.cell["text"].split())
            if self.cell["tag"] == "th":
                table["scopes"].append(self.cell["scope"])
            if self.cell["tag"] == "th" and self.cell["scope"] == "col":
                table["headers"].append(text)
            elif self.row is not None:
                self.row.append(text)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row:
                table["rows"].append(self.row)
            self.row = None
        elif tag == "table":
            self.tables.append(self.stack.pop())

    def handle_data(self, data):
        if not self.stack:
            return
        if self.in_caption:
            self.stack[-1]["caption"] += data
        elif self.cell is not None:
            self.cell["text"] += data


def tables(html: str) -> list[dict]:
    parser = _Tables()
    parser.feed(html)
    for table in parser.tables:
        table["caption"] = " ".join(table["caption"].split())
    return parser.tables


def table(html: str, caption_start: str) -> dict:
    found = [t for t in tables(html) if t["caption"].startswith(caption_start)]
    assert found, f"no table captioned {caption_start!r}"
    return found[0]


def row(tbl: dict, first_cell: str) -> list[str]:
    found = [r for r in tbl["rows"] if r and r[0] == first_cell]
    assert found, f"no row {first_cell!r} in {tbl['caption']!r}"
    return found[0]


def text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return " ".join(html.split())
