"""A small HTTP client for the load run (standard library only).

One ``Browser`` per simulated person: it keeps its own cookies (ignoring their flags),
its own connection (kept alive, as a browser's; opened again after an error or when the
server closes it) and, when given one, its own loopback source address, so that nginx's
per-address login limit and the application's lock-out see separate people. It logs in
through the admin's login form with its CSRF token, reads forms and posts them back.
Redirects are not followed: the caller checks each status.

Two ways in:

- through nginx (``Browser.through_nginx``): HTTPS with the test certificate, the host
  name of deploy/nginx.conf, ``Origin``/``Referer`` of that site, as a browser sends them;
- straight to one gunicorn server (``Browser.direct``), bypassing nginx: plain HTTP with
  ``X-Forwarded-Proto: https``, which gunicorn trusts from 127.0.0.1 as it would from
  nginx (as tests/deploy/test_redis_cache.py's ``Secretariat`` does).
"""

from __future__ import annotations

import http.client
import re
import ssl
import time
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urlencode

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
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names


class Browser:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        context: ssl.SSLContext | None = None,
        site: str,
        extra_headers: dict[str, str] | None = None,
        source: str | None = None,
    ):
        self.host, self.port, self.context = host, port, context
        self.site = site  # scheme://host of the site as the browser believes it is
        self.host_header = site.split("://", 1)[1]
        self.extra_headers = extra_headers or {}
        self.source = (source, 0) if source else None
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    @classmethod
    def through_nginx(cls, proxy, host_name: str, source: str | None = None) -> Browser:
        """A browser on the site through nginx (``proxy``: a tests.deploy.nginx_server.Nginx)."""
        return cls(
            "127.0.0.1", proxy.https_port, context=proxy.context, site=f"https://{host_name}",
            source=source,
        )  # fmt: skip

    @classmethod
    def direct(cls, port: int) -> Browser:
        """A browser talking to one gunicorn server, as nginx would pass its requests on."""
        return cls(
            "127.0.0.1", port, site=f"https://127.0.0.1:{port}",
            extra_headers={"X-Forwarded-Proto": "https"},
        )  # fmt: skip

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            if self.context is not None:
                self.connection = http.client.HTTPSConnection(
                    self.host, self.port, context=self.context, timeout=TIMEOUT,
                    source_address=self.source,
                )  # fmt: skip
            else:
                self.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=TIMEOUT, source_address=self.source
                )
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(self, method: str, path: str, form: dict | None = None) -> Result:
        headers = {"Host": self.host_header, "User-Agent": "mogami-loadrun", **self.extra_headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.site
            headers["Referer"] = self.site + path
        started = time.monotonic()
        try:
            connection = self._connect()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            if response.will_close:
                self.close()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return Result(
                started, method, path, response.status, time.monotonic(), body=text,
                location=response.getheader("Location", ""),
                headers={k.lower(): v for k, v in response.getheaders()},
            )  # fmt: skip
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return Result(
                started, method, path, None, time.monotonic(),
                error=f"{type(error).__name__}: {error}",
            )  # fmt: skip

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
