"""Which area a URL names, from the URL alone (no database): /areas/<slug>/…, AREA_HOSTS.

Shared by the page cache (core/cache.py), which must know the area before anything
else runs, and by vision.areas, which sets the area for the request. The rules:

- ``/areas/<slug>/rest``: area ``slug``, page ``/rest``;
- a host listed in ``AREA_HOSTS`` ("host=slug"): that area, at the root of its domain;
- anything else: no area named ("" below): the installation's default.
"""

import re

from django.conf import settings

PREFIX = "areas"
AREA_PATH = re.compile(rf"^/{PREFIX}/(?P<slug>[a-z0-9][a-z0-9-]{{0,39}})(?P<rest>/.*)$")


def area_hosts() -> dict[str, str]:
    """``AREA_HOSTS`` as {host: slug}."""
    hosts = {}
    for entry in getattr(settings, "AREA_HOSTS", []):
        host, _, slug = entry.partition("=")
        if host.strip() and slug.strip():
            hosts[host.strip().lower()] = slug.strip()
    return hosts


def named_area(path: str, host: str) -> tuple[str, str]:
    """(area slug or "", path within the area) of a request's path and host."""
    match = AREA_PATH.match(path)
    if match:
        return match["slug"], match["rest"]
    hosts = area_hosts()
    if hosts:
        return hosts.get(host.split(":")[0].lower(), ""), path
    return "", path
