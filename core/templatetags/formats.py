"""The one tag library for writing names, years, dates and numbers: ``{% load formats %}``.

Each filter is a function of ``core.formats`` (where its meaning is documented), under the
same name, so one name has one meaning everywhere:

- by the page's language: local_name, name_lang, fy, fy_short, ymd, unit, with_unit, paren;
- always Japanese (officers' pages, printed documents): jp_fy, jp_fy_era, jp_fy_short, jp_date;
- the same in every language: num, num_or_blank, pct, pct_or_blank, rate.

Plus a few template helpers (at, dict_get, count_of) and the tags other_language_url and
data_table. The KPI grade badge needs the kpis app, so it is in ``public``'s ``grades``.
"""

from django import template
from django.urls import translate_url

from core import formats

register = template.Library()

# by the page's language
register.filter("local_name", formats.local_name)
register.filter("name_lang", formats.name_lang)
register.filter("fy", formats.fy)
register.filter("fy_short", formats.fy_short)
register.filter("ymd", formats.ymd)
register.filter("unit", formats.unit)
register.filter("with_unit", formats.with_unit)
register.filter("paren", formats.paren)
# always Japanese
register.filter("jp_fy", formats.jp_fy)
register.filter("jp_fy_era", formats.jp_fy_era)
register.filter("jp_fy_short", formats.jp_fy_short)
register.filter("jp_date", formats.jp_date)
# the same in every language
register.filter("num", formats.num)
register.filter("num_or_blank", formats.num_or_blank)
register.filter("pct", formats.pct)
register.filter("pct_or_blank", formats.pct_or_blank)
register.filter("rate", formats.rate)


@register.filter
def at(sequence, index):
    """sequence[index] in a template (None when out of range)."""
    try:
        return sequence[int(index)]
    except (IndexError, KeyError, TypeError, ValueError):
        return None


@register.filter
def dict_get(mapping, key):
    """mapping[key] in a template (None when absent)."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def count_of(counts, key):
    """A count from a dict, 0 when the key is absent (counts only, never figures)."""
    if not counts:
        return 0
    return counts.get(key, 0)


def in_language(request, language: str) -> str:
    """This page's address in ``language``, query string kept.

    Resolved from ``path_info``, the address within the site: under an area's prefix
    (/areas/<slug>/…, vision.areas) ``request.path`` would not resolve, and reverse()
    adds the prefix back. A page that cannot be translated keeps its own address.
    """
    query = request.META.get("QUERY_STRING", "")
    inside = request.path_info + (f"?{query}" if query else "")
    translated = translate_url(inside, language)
    return request.get_full_path() if translated == inside else translated


@register.simple_tag(takes_context=True)
def other_language_url(context):
    """The same page in the other language (query string kept)."""
    request = context.get("request")
    target = "ja" if formats.is_english() else "en"
    return in_language(request, target) if request else translate_url("/", target)


@register.simple_tag(takes_context=True)
def language_alternates(context):
    """(hreflang, absolute URL) of this page in Japanese and English, then x-default (Japanese).

    For <link rel="alternate">: search engines want absolute URLs, the page itself among them.
    """
    request = context["request"]
    ja = request.build_absolute_uri(in_language(request, "ja"))
    en = request.build_absolute_uri(in_language(request, "en"))
    return [("ja", ja), ("en", en), ("x-default", ja)]


@register.simple_tag
def data_table(table, table_id):
    """A core.charts.Table as HTML (see ``Table.html``)."""
    return table.html(str(table_id))
