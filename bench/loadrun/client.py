"""A small HTTP client for the load run (standard library only).

One ``Browser`` per simulated person: it keeps its own cookies (ignoring the
``Secure`` flag, since the run talks plain HTTP to gunicorn on the loopback
address, as ``make serve`` does), logs in through the admin's login form with
its CSRF token, reads forms and posts them back. Redirects are not followed:
the caller checks each status.
"""

from __future__ import annotations

import http.client
import re
import time
from dataclasses import dataclass
from html import unescape
from urllib.parse import urlencode, urlsplit

TIMEOUT = 15  # seconds per request: a bound, so a stuck request ends as an error


@dataclass
class Result:
    started: float  # time.monotonic() when the request was sent
    method: str
    path: str
    status: int | None  # None: no HTTP answer (refused, reset, timed out)
    finished: float = 0.0  # time.monotonic() when the answer (or the failure) came
    error: str = ""
    body: str = ""
    location: str = ""


class Browser:
    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> Result:
        headers = {"Connection": "close", "User-Agent": "mogami-loadrun"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return Result(
                started, method, path, response.status, time.monotonic(), body=text,
                location=response.getheader("Location", ""),
            )  # fmt: skip
        except (OSError, http.client.HTTPException) as error:
            return Result(
                started, method, path, None, time.monotonic(),
                error=f"{type(error).__name__}: {error}",
            )  # fmt: skip
        finally:
            connection.close()

    def get(self, path: str) -> Result:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> Result:
        return self.request("POST", path, form)


_INPUT = re.compile(r"<input ([^>]*)>")
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')


def form_inputs(html: str) -> dict[str, str]:
    """name → value of every <input> on the page (text, hidden), unescaped."""
    values = {}
    for match in _INPUT.finditer(html):
        attributes = {k: unescape(v) for k, v in _ATTRIBUTE.findall(match.group(1))}
        if "name" in attributes and attributes.get("type") not in ("file", "radio", "checkbox"):
            values.setdefault(attributes["name"], attributes.get("value", ""))
    return values
