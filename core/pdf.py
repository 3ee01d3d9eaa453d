"""HTML to PDF with WeasyPrint, for the progress report and the vision document.

Print layout lives in ``static/css/print.css`` (A4, page numbers, table headers
repeated on every page, the Japanese font "Noto Sans CJK JP" from Debian's
fonts-noto-cjk, referenced by family name; nothing is downloaded). WeasyPrint may
read only the app's own static files and data: URLs; any other URL in the HTML is
refused, so rendering never reaches the network.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache

PRINT_CSS = "css/print.css"
BASE_URL = "https://mogami-vision.invalid/"
CACHE_SECONDS = 24 * 60 * 60

# WeasyPrint logs every layout step at INFO; only its warnings are worth keeping.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class FetchRefused(ValueError):
    pass


def _static_file(url: str) -> tuple[bytes, str | None]:
    path = unquote(urlparse(url).path)
    static_prefix = "/" + settings.STATIC_URL.lstrip("/")
    if not path.startswith(static_prefix):
        raise FetchRefused(f"not a static file: {url}")
    found = finders.find(path[len(static_prefix) :])
    if not found:
        raise FetchRefused(f"no such static file: {url}")
    with open(found, "rb") as handle:
        return handle.read(), mimetypes.guess_type(found)[0]


def static_only_fetcher():
    """A WeasyPrint URL fetcher that reads the app's static files and data: URLs only."""
    # WeasyPrint is imported where a PDF is made: loading it (Pango, fonts) costs every
    # other process about a second.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            data, mime_type = _static_file(url)
            return URLFetcherResponse(url, data, {"Content-Type": mime_type or "text/plain"})

    return StaticOnlyFetcher(allowed_protocols={"data", "https"})


def html_to_pdf(html: str) -> bytes:
    """Render a complete HTML page to PDF bytes with the print stylesheet."""
    from weasyprint import CSS, HTML  # loaded only when a PDF is made (see above)

    stylesheet = finders.find(PRINT_CSS)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=static_only_fetcher())
    return document.write_pdf(stylesheets=[CSS(filename=stylesheet)])


def cached_pdf(html: str, *, key_prefix: str) -> bytes:
    """``html_to_pdf`` remembered by the HTML it renders (same page, same PDF).

    Rendering the HTML is quick and WeasyPrint is slow, so the PDF is cached under
    a hash of the HTML and of the print stylesheet: any change of the data or of
    the layout gives another key.
    """
    stylesheet = finders.find(PRINT_CSS)
    with open(stylesheet, "rb") as handle:
        css = handle.read()
    digest = hashlib.sha256(html.encode("utf-8") + b"\0" + css).hexdigest()
    key = f"{key_prefix}:pdf:{digest}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = html_to_pdf(html)
        cache.set(key, pdf, CACHE_SECONDS)
    return pdf
