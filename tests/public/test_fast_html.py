"""HTML the public pages build in Python instead of template tags (for speed, issue #16)
says the same as the template tags did: the navigation and footer links, the program
addresses of the KPI table and the commuting matrix."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import get_script_prefix, resolve, reverse, set_script_prefix
from django.utils import translation

from core.templatetags import site_nav
from public.tables import program_url_maker
from public.views import commuting_rows

# The links as base.html wrote them with {% url %}, {% trans %} and comparisons.
OLD_NAV = """{% load i18n %}{% with current=request.resolver_match.view_name %}
        <li><a href="{% url 'public:home' %}"{% if current == 'public:home' %} aria-current="page"{% endif %}>{% trans "トップ" %}</a></li>
        <li><a href="{% url 'public:plan' %}"{% if current == 'public:plan' or current == 'public:programs:detail' %} aria-current="{% if current == 'public:plan' %}page{% else %}true{% endif %}"{% endif %}>{% trans "計画の体系" %}</a></li>
        <li><a href="{% url 'public:kpis:list' %}"{% if current == 'public:kpis:list' %} aria-current="page"{% endif %}>{% trans "成果指標" %}</a></li>
        <li><a href="{% url 'public:evaluations:index' %}"{% if current == 'public:evaluations:index' or current == 'public:evaluations:year' or current == 'public:evaluations:program' %} aria-current="{% if current == 'public:evaluations:index' %}page{% else %}true{% endif %}"{% endif %}>{% trans "年度の評価" %}</a></li>
        <li><a href="{% url 'public:municipalities:index' %}"{% if current == 'public:municipalities:index' or current == 'public:municipalities:detail' %} aria-current="{% if current == 'public:municipalities:index' %}page{% else %}true{% endif %}"{% endif %}>{% trans "市町村" %}</a></li>
        <li><a href="{% url 'public:statistics' %}"{% if current == 'public:statistics' %} aria-current="page"{% endif %}>{% trans "圏域の統計" %}</a></li>
        <li><a href="{% url 'public:agreement' %}"{% if current == 'public:agreement' %} aria-current="page"{% endif %}>{% trans "協定項目" %}</a></li>
        <li><a href="{% url 'opendata:index' %}"{% if current == 'opendata:index' %} aria-current="page"{% endif %}>{% trans "オープンデータ" %}</a></li>
        {% endwith %}"""

OLD_FOOTER = """{% load i18n %}
          <li><a href="{% url 'public:progress_rules' %}">{% trans "進捗の評価方法" %}</a></li>
          <li><a href="{% url 'public:accessibility' %}">{% trans "ウェブアクセシビリティ方針" %}</a></li>
          <li><a href="{% url 'opendata:index' %}">{% trans "オープンデータ" %}</a></li>
          <li><a href="{% url 'public:reports:index' %}">{% trans "年度の進捗状況報告" %}</a></li>
          <li><a href="{% url 'public:evaluations:index' %}">{% trans "年度の評価" %}</a></li>
          <li><a href="{% url 'public:document:page' %}">{% trans "共生ビジョン本文" %}</a></li>
          <li><a href="{% url 'public:revisions:index' %}">{% trans "ビジョンの変更履歴" %}</a></li>
        """

NEW_NAV = "{% load site_nav %}{% site_nav %}"
NEW_FOOTER = "{% load site_nav %}{% site_footer_links %}"

PATHS = [
    "/",
    "/plan/",
    "/kpis/",
    "/statistics/",
    "/agreement/",
    "/opendata/",
    "/evaluations/",
    "/towns/",
    "/about/accessibility/",
]


@pytest.fixture
def prefix():
    """Restore the script prefix a test sets (as vision.areas does per request)."""
    before = get_script_prefix()
    yield
    set_script_prefix(before)


def _render(source, request):
    return Template(source).render(Context({"request": request}))


def _request(path):
    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    return request


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("path", PATHS)
def test_navigation_and_footer_are_the_template_tags_html(language, path):
    with translation.override(language):
        request = _request(path if language == "ja" else "/en" + path)
        assert _render(NEW_NAV, request) == _render(OLD_NAV, request)
        assert _render(NEW_FOOTER, request) == _render(OLD_FOOTER, request)


@pytest.mark.django_db
def test_navigation_marks_a_page_below_a_link(client):
    from programs.models import Program

    path = reverse("public:programs:detail", args=[Program.objects.order_by("pk").first().pk])
    request = _request(path)
    html = _render(NEW_NAV, request)
    assert html == _render(OLD_NAV, request)
    assert f'<a href="{reverse("public:plan")}" aria-current="true">' in html


def test_navigation_without_a_resolved_page_marks_nothing():
    request = RequestFactory().get("/nowhere/")
    request.resolver_match = None
    html = _render(NEW_NAV, request)
    assert html == _render(OLD_NAV, request)
    assert "aria-current" not in html
    assert Template(NEW_NAV).render(Context({})) == Template(OLD_NAV).render(Context({}))


def test_links_follow_the_script_prefix_and_language(prefix):
    """The links are kept per language and script prefix: an area's pages (vision.areas
    sets the prefix) and English pages never get another's addresses."""
    with translation.override("ja"):
        plain = _render(NEW_FOOTER, None)
        set_script_prefix("/areas/other/")
        prefixed = _render(NEW_FOOTER, None)
        assert prefixed == _render(OLD_FOOTER, None)
        assert 'href="/areas/other/about/progress/"' in prefixed
        set_script_prefix("/")
        assert _render(NEW_FOOTER, None) == plain
    with translation.override("en"):
        assert _render(NEW_FOOTER, None) == _render(OLD_FOOTER, None)
        assert 'href="/en/about/progress/"' in _render(NEW_FOOTER, None)
    assert site_nav._written  # kept, not written again for every page


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("script_prefix", ["/", "/areas/987654321/", "/sub/"])
def test_program_addresses_are_reverses(language, script_prefix, prefix):
    set_script_prefix(script_prefix)
    with translation.override(language):
        make = program_url_maker()
        for pk in (1, 9, 10, 123, 987654321, 10**12):
            assert make(pk) == reverse("public:programs:detail", args=[pk])


def _flow(origin, destination, commuters, share):
    return SimpleNamespace(
        origin_id=origin, destination_id=destination, commuters=commuters, printed_share=share
    )


def test_commuting_rows_are_the_templates_cells():
    from decimal import Decimal

    origin = SimpleNamespace(
        origin_id=1,
        origin=SimpleNamespace(name="新庄<市>", name_en=""),
        printed_total=1234,
        printed_to_other_share=Decimal("12.5"),
    )
    destinations = [SimpleNamespace(pk=1), SimpleNamespace(pk=2), SimpleNamespace(pk=3)]
    flows = {(1, 1): _flow(1, 1, 1000, Decimal("81.0")), (1, 2): _flow(1, 2, 34, None)}
    with translation.override("ja"):
        [row] = commuting_rows([origin], destinations, flows)
    assert row == (
        '\n        <tr>\n          <th scope="row">新庄&lt;市&gt;</th>\n          '
        '\n          <td class="num commuting__self">1,000<span class="cell-note">81.0%</span></td>\n          '
        '\n          <td class="num">34<span class="cell-note">−</span></td>\n          '
        # no flow: blank, shaded as the template did (None.origin_id == None.destination_id)
        '\n          <td class="num commuting__self">−</td>\n          '
        '\n          <td class="num">1,234</td>'
        '\n          <td class="num">12.5%</td>'
        "\n        </tr>\n      "
    )
