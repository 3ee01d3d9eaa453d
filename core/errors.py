"""Error pages in the site's layout, in the language of the URL (/en/… in English).

Django's handlers (config/urls.py: handler400, handler403, handler404), the request size
limit (core.security.RequestSizeLimitMiddleware, 413) and django-axes' lock-out
(settings.AXES_LOCKOUT_CALLABLE, 429) all answer through ``error_page``. A message that
the code wrote for people (Japanese text: 「その市町村はありません。」) is shown; Django's
own English messages for developers ("No Program matches the given query.") are not.
"""

import re

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _language(request) -> str:
    return translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


def _message_for_people(exception) -> str:
    message = exception.args[0] if exception is not None and exception.args else ""
    return message if isinstance(message, str) and JAPANESE.search(message) else ""


def error_page(request, status: int, *, detail: str = ""):
    """The error page for ``status``; ``detail`` is a specific message in Japanese."""
    with translation.override(_language(request)):
        titles = {
            400: _("リクエストを処理できませんでした"),
            403: _("このページを表示する権限がありません"),
            404: _("ページが見つかりません"),
            413: _("送信されたデータが大きすぎます"),
            429: _("しばらくログインできません"),
        }
        explanations = {
            400: _("送信された内容に誤りがあるため、処理できませんでした。"),
            403: _("ログインしている利用者には、このページを表示する権限がありません。"),
            404: _(
                "お探しのページは、移動したか削除された可能性があります。アドレスをご確認ください。"
            ),
            413: _("ファイルは %(mb)s MB 以下にしてください。") % {"mb": settings.MAX_UPLOAD_MB},
            429: _("ログインに続けて失敗したため、しばらくの間ログインできません。"),
        }
        context = {
            "status": status,
            "title": titles[status],
            "explanation": explanations[status],
            "detail": detail,
        }
        response = render(request, "errors/page.html", context, status=status)
    response["Content-Language"] = _language(request)
    return response


def bad_request(request, exception=None):
    return error_page(request, 400)


def permission_denied(request, exception=None):
    return error_page(request, 403, detail=_message_for_people(exception))


def page_not_found(request, exception=None):
    return error_page(request, 404, detail=_message_for_people(exception))


def request_too_large(request):
    return error_page(request, 413)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lock-out (AXES_LOCKOUT_CALLABLE): 429 with the cool-off message."""
    return error_page(request, 429, detail=settings.AXES_COOLOFF_MESSAGE)
