"""The site's name, members and secretariat in base.html, for the area the page is about.

With one area installed (no area named in the URL, no DEFAULT_AREA) the template's own
strings are used, as they always were: no query. For an area named by its address
(/areas/<slug>/…, AREA_HOSTS) or DEFAULT_AREA, the names come from that area and its
current vision, two queries, once per request. English: the translation of the Japanese
text when the catalogue has one (新庄最上's are there), else the English names.
"""

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from vision.areas import current_slug
from vision.models import Area

register = template.Library()


def _english(japanese: str, fallback: str) -> tuple[str, str]:
    """(text, lang) on an English page: the catalogue's translation, else ``fallback``."""
    translated = _(japanese)
    if translated != japanese:
        return translated, "en"
    return fallback, "en" if fallback != japanese else "ja"


def describe(area: Area) -> dict:
    vision = area.current_vision()
    members = list(vision.municipalities.order_by("sort_order", "code")) if vision else []
    central = area.central or next((m for m in members if m.is_central_city), None)
    title = f"{area.name} 共生ビジョン"
    towns = "・".join(m.name for m in members)
    secretariat = f"事務局：{central.name}" if central else ""
    others = [m for m in members if m != central]
    description = (
        f"{central.name}と{len(others)}市町村の共同計画（共生ビジョン）の進み具合を、"
        "承認された数値でお知らせします。"
        if central
        else f"{area.name}の共生ビジョンの進み具合を、承認された数値でお知らせします。"
    )
    joint_plan = f"{towns}の共同計画"
    vision_title = vision.title if vision else area.name
    site = {
        "joint_plan": (joint_plan, "ja"),
        "vision_title": (vision_title, "ja"),
        "title": (title, "ja"),
        "name": (area.name, "ja"),
        "towns": (towns, "ja"),
        "secretariat": (secretariat, "ja"),
        "description": (description, "ja"),
    }
    if get_language() == "en":
        site["name"] = _english(area.name, area.name_en or area.name)
        english = site["name"][0]
        site["title"] = _english(title, f"{english} Joint Vision")
        names = [m.name_en or m.name for m in members]
        site["towns"] = _english(towns, ", ".join(names))
        site["joint_plan"] = _english(joint_plan, f"A joint plan of {', '.join(names)}")
        site["vision_title"] = _english(vision_title, vision_title)
        if central:
            site["secretariat"] = _english(
                secretariat, f"Secretariat: {central.name_en or central.name}"
            )
        site["description"] = (
            f"How the joint vision of {english} is doing, in the figures its secretariat approved.",
            site["name"][1],
        )
    return site


@register.simple_tag(takes_context=True)
def site_area(context):
    """The area's names for the page's header and footer; None: the template's own."""
    slug = current_slug()
    if not slug:
        return None
    request = context.get("request")
    key = (slug, get_language())
    memo = getattr(request, "_site_area", None) if request is not None else None
    if memo and memo[0] == key:
        return memo[1]
    area = Area.objects.select_related("central").filter(slug=slug).first()
    site = describe(area) if area else None
    if request is not None:
        request._site_area = (key, site)
    return site
