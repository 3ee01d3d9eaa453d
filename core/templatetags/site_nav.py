"""The public pages' navigation and footer links, ``{% load site_nav %}`` in base.html.

The same links on every page: written once per language, script prefix (the area's
address, ``vision.areas``) and URL configuration, then only the page's own link is
marked (``aria-current``). In the template they were 15 ``{% url %}`` and 15
``{% trans %}`` tags and a dozen comparisons on every page. The HTML is the same.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

register = template.Library()

# The labels are msgids (gettext_noop), translated when the links are written.
# (URL name, label, the views on which the link is marked): marked "page" on its own
# view, "true" on the others (a page below it).
NAV = (
    ("public:home", N_("トップ"), ("public:home",)),
    ("public:plan", N_("計画の体系"), ("public:plan", "public:programs:detail")),
    ("public:kpis:list", N_("成果指標"), ("public:kpis:list",)),
    (
        "public:evaluations:index",
        N_("年度の評価"),
        ("public:evaluations:index", "public:evaluations:year", "public:evaluations:program"),
    ),
    (
        "public:municipalities:index",
        N_("市町村"),
        ("public:municipalities:index", "public:municipalities:detail"),
    ),
    ("public:statistics", N_("圏域の統計"), ("public:statistics",)),
    ("public:agreement", N_("協定項目"), ("public:agreement",)),
    ("opendata:index", N_("オープンデータ"), ("opendata:index",)),
)

FOOTER = (
    ("public:progress_rules", N_("進捗の評価方法")),
    ("public:accessibility", N_("ウェブアクセシビリティ方針")),
    ("opendata:index", N_("オープンデータ")),
    ("public:reports:index", N_("年度の進捗状況報告")),
    ("public:evaluations:index", N_("年度の評価")),
    ("public:document:page", N_("共生ビジョン本文")),
    ("public:revisions:index", N_("ビジョンの変更履歴")),
)

_written: dict[tuple, tuple] = {}


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    """A test that changes a setting (the URLs, the languages) gets the links written anew."""
    _written.clear()


def _links() -> tuple:
    """(escaped address, escaped label) of every link, for this language and prefix."""
    key = (get_language(), get_script_prefix(), get_urlconf())
    links = _written.get(key)
    if links is None:
        links = _written[key] = (
            tuple((escape(reverse(name)), escape(_(label))) for name, label, _views in NAV),
            tuple((escape(reverse(name)), escape(_(label))) for name, label in FOOTER),
        )
    return links


@register.simple_tag(takes_context=True)
def site_nav(context) -> str:
    """The navigation's ``<li>`` lines, the page's own link marked."""
    match = getattr(context.get("request"), "resolver_match", None)
    current = getattr(match, "view_name", None)
    lines = []
    for (url, label), (name, _label, views) in zip(_links()[0], NAV, strict=True):
        mark = ""
        if current in views:
            mark = ' aria-current="page"' if current == name else ' aria-current="true"'
        lines.append(f'\n        <li><a href="{url}"{mark}>{label}</a></li>')
    return mark_safe("".join(lines) + "\n        ")  # noqa: S308 - escaped in _links()


@register.simple_tag
def site_footer_links() -> str:
    """The footer's ``<li>`` lines."""
    return mark_safe(  # noqa: S308 - escaped in _links()
        "".join(f'\n          <li><a href="{url}">{label}</a></li>' for url, label in _links()[1])
        + "\n        "
    )
