"""Reads of the plan that several pages share.

Which vision a request is about is decided here and nowhere else: ``current_vision``
and ``current_vision_or_none`` take the request, and every page, export and command
asks them (ARCHITECTURE.md, "Where the area is decided").
"""

from django.http import Http404

from vision.areas import current_slug
from vision.models import Vision


def current_vision_or_none(request=None) -> Vision | None:
    """The current vision of the request's area (vision.areas), or None while none is loaded.

    With no area asked for (one area installed, no DEFAULT_AREA), the latest edition, as
    always. ``request`` documents that the answer depends on it; the area itself is set
    for the request by ``vision.areas.AreaMiddleware``.
    """
    slug = current_slug()
    visions = Vision.objects.filter(area__slug=slug) if slug else Vision.objects
    return visions.current()


def current_vision(request=None) -> Vision:
    """The vision the request is about (the current one); 404 while none is loaded."""
    vision = current_vision_or_none(request)
    if vision is None:
        raise Http404("ビジョンがまだ登録されていません。")
    return vision
