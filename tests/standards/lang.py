"""Japanese text on an English page that is not marked lang="ja" (WCAG 3.1.2, Language of Parts).

A small reader (standard library only): it follows the lang attribute down the tree and
collects each run of text with kana or kanji whose nearest lang is English. Text inside
<title> counts too (a title cannot mark a part, so it must be English), <script> and
<style> do not. Attribute values are not read.
"""

import re
from html.parser import HTMLParser

# Kana and kanji; the middle dot ・ (U+30FB) also separates English words on these pages.
JAPANESE = re.compile(r"[\u3040-\u30fa\u30fc-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip
SKIPPED = {"script", "style"}


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, lang)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        lang = attrs.get("lang") or attrs.get("xml:lang")
        if lang is None:
            lang = self.stack[-1][1] if self.stack else ""
        self.stack.append((tag, lang))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self.stack or any(tag in SKIPPED for tag, _ in self.stack):
            return
        tag, lang = self.stack[-1]
        if lang.startswith("en") and JAPANESE.search(data):
            self.found.append(f"<{tag}> {' '.join(data.split())[:60]}")


def unmarked_japanese(html: str) -> list[str]:
    reader = _Reader()
    reader.feed(html)
    return reader.found
