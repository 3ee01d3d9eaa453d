"""Reads of the plan that several pages share."""

from django.http import Http404

from vision.models import Vision


def current_vision() -> Vision:
    """The vision the site serves (the current one); 404 while none is loaded."""
    vision = Vision.objects.current()
    if vision is None:
        raise Http404("ビジョンがまだ登録されていません。")
    return vision
