"""Which partnership area a request is about: decided here, once per request.

An installation serves one area or several (``vision.models.Area``):

- ``/areas/<slug>/…``: that area's own pages. The middleware strips the prefix from
  ``path_info`` and adds it to the script prefix, so every URL the pages build with
  ``reverse()`` or ``{% url %}`` stays inside the area, and the views, URL patterns and
  templates are the same as for a single area.
- A host name listed in ``AREA_HOSTS`` (``vision.example.lg.jp=shinjo-mogami,…``): that
  area at the root of its own domain.
- Anything else: ``DEFAULT_AREA`` when set, else the installation as it has always been
  served (the current vision: with one area, every URL is what it was).

The area is kept in a context variable for the request, so that every read of "the
current vision" (``vision.selectors.current_vision``) and every lookup by primary key
(``area_filter``) is scoped, however deep in the code it happens. Commands have no
request: they serve ``DEFAULT_AREA`` or take the area as an argument.

The ``/areas/`` listing and anything outside the public pages (admin, returns, open
data for all areas) have no area of their own.
"""

from __future__ import annotations

import contextvars
import functools

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.urls import get_script_prefix, set_script_prefix

from core.addresses import PREFIX, named_area

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("area", default=None)


def current_slug() -> str | None:
    """The slug of the area the request is about; None: the installation's default."""
    return _current.get() or getattr(settings, "DEFAULT_AREA", "") or None


def named_slug() -> str | None:
    """The area the URL names (/areas/<slug>/…, AREA_HOSTS); None at the installation's root."""
    return _current.get()


def across_areas(view):
    """A page about every area (/areas/, combined open data): only where no area is named.

    Under /areas/<slug>/ or an area's own host it would be cached as that area's page and
    miss the other areas' changes (core/cache.py), so it is not found there.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if named_slug():
            raise Http404("このページは圏域ごとのページにはありません。")
        return view(request, *args, **kwargs)

    return wrapped


def area_filter(prefix: str = "") -> Q:
    """A filter to the current area through ``prefix`` (the path to a Vision, with ``__``).

    ``Program.objects.filter(area_filter("item__category__policy_field__vision__"))``.
    Empty when no area is asked for (one area installed): the pages read what they always
    read, with no extra join.
    """
    slug = current_slug()
    return Q(**{f"{prefix}area__slug": slug}) if slug else Q()


class _KnownSlugs:
    """The areas' slugs, kept per process; a slug not known is looked up again."""

    def __init__(self):
        self.slugs: frozenset[str] = frozenset()

    def __contains__(self, slug: str) -> bool:
        if slug in self.slugs:
            return True
        from vision.models import Area  # noqa: PLC0415 - the app registry is ready only now

        self.slugs = frozenset(Area.objects.values_list("slug", flat=True))
        return slug in self.slugs


known = _KnownSlugs()


class AreaMiddleware:
    """Sets the request's area (placed after the page cache, before the locale)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        prefix = get_script_prefix()
        slug, path = named_area(request.path_info, request.get_host())
        if path != request.path_info:  # /areas/<slug>/…
            if slug not in known:
                raise Http404("この圏域はありません。")
            request.path_info = path
            set_script_prefix(f"{prefix}{PREFIX}/{slug}/")
        request.area_slug = slug or current_slug()
        token = _current.set(slug or None)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
            set_script_prefix(prefix)


# --- which areas a write concerns (the page cache's per-area freshness) -----------------

_PATHS = {
    # The attribute a row names, and the path from a Vision to it.
    "vision_id": "pk",
    "program_id": "policy_fields__categories__items__programs",
    "kpi_id": "policy_fields__categories__items__programs__kpis",
}


def areas_of(instance, memo: dict) -> set[str] | None:
    """The slugs of the areas whose public pages a saved or deleted row can change.

    None when it may show in any area or cannot be placed: a municipality (members of
    several areas), grade levels, a program or item being moved. Then every page is
    renewed, as before areas. The figures of the yearly cycle (approved KPI actuals,
    cost shares, 取組状況, evaluations) name their KPI, program or vision, and renew
    their area's pages only. ``memo``: answers kept for one transaction.
    """
    from vision.models import Area, Vision  # noqa: PLC0415 - the app registry is ready

    if isinstance(instance, Area):
        return {instance.slug}
    for attribute, path in _PATHS.items():
        value = getattr(instance, attribute, None)
        if value is None or (attribute == "vision_id" and isinstance(instance, Vision)):
            continue
        key = (attribute, value)
        if key not in memo:
            slugs = set(
                Vision.objects.filter(**{path: value})
                .exclude(area=None)
                .values_list("area__slug", flat=True)
            )
            memo[key] = slugs or None
        return memo[key]
    return None


def in_area(slug: str | None):
    """A context in which ``current_slug()`` is ``slug`` (commands, tests)."""
    return _AreaContext(slug)


class _AreaContext:
    def __init__(self, slug):
        self.slug = slug

    def __enter__(self):
        self.token = _current.set(self.slug)
        return self

    def __exit__(self, *exc):
        _current.reset(self.token)
