"""Several partnership areas on one installation: addresses, scoping, the /areas/ page.

The second area is made up here (架空定住自立圏, slug ``kaku``), beside the document's
新庄最上 (``shinjo-mogami``, made by the migration and the fixtures). Kaneyama and Okura
belong to both, as a town can belong to a 定住自立圏 and a 連携中枢都市圏 at once.
"""

import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_item, make_kpi, make_program, make_vision
from vision.areas import area_filter, current_slug, in_area
from vision.models import Area, Vision
from vision.selectors import current_vision

pytestmark = pytest.mark.django_db

OTHER_TITLE = "架空定住自立圏 第2次共生ビジョン"
OTHER_KPI = "架空の移住相談件数"


@pytest.fixture
def other(kaneyama, okura):
    area = Area.objects.create(
        slug="kaku", name="架空定住自立圏", name_en="Kaku Settlement Area", central=kaneyama
    )
    vision = make_vision(area=area, slug="kaku-2", edition=2, title=OTHER_TITLE, area_name="架空")
    vision.municipalities.set([kaneyama, okura])
    program = make_program(make_item(vision), participants=[kaneyama.code, okura.code])
    make_kpi(program, name=OTHER_KPI)
    return area, vision, program


def shinjo_program():
    vision = Vision.objects.get(slug="shinjo-mogami-3")
    return vision.policy_fields.first().categories.first().items.first().programs.first()


def test_the_document_loads_into_its_own_area(vision):
    assert vision.area.slug == "shinjo-mogami"
    assert vision.area.name == "新庄最上定住自立圏"
    assert vision.area.kind == Area.Kind.SETTLEMENT
    assert vision.area.central_city.code == "062057"  # 新庄市
    assert vision.area.members().count() == 8
    assert vision.area.current_vision() == vision


def test_with_a_second_area_the_root_still_serves_shinjo_mogami(client, other, vision):
    html = client.get("/").content.decode()
    assert vision.title in html and OTHER_TITLE not in html
    kpis = client.get("/kpis/").content.decode()
    assert OTHER_KPI not in kpis


def test_each_area_has_its_own_paths_and_links_stay_inside(client, other):
    html = client.get("/areas/kaku/").content.decode()
    assert OTHER_TITLE in html
    assert 'href="/areas/kaku/kpis/"' in html  # reverse() under the area's prefix
    assert 'href="/kpis/"' not in html
    kpis = client.get("/areas/kaku/kpis/").content.decode()
    assert OTHER_KPI in kpis
    assert "年間事業開催数" not in kpis  # a 新庄最上 KPI
    shinjo = client.get("/areas/shinjo-mogami/kpis/").content.decode()
    assert "年間事業開催数" in shinjo and OTHER_KPI not in shinjo
    assert reverse("public:home") == "/"  # the prefix ends with the request


def test_english_pages_of_an_area(client, other):
    response = client.get("/areas/kaku/en/kpis/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert OTHER_KPI in response.content.decode()
    assert 'href="/areas/kaku/en/' in response.content.decode()


def test_a_program_of_another_area_is_not_found_under_an_area(client, other):
    _area, _vision, program = other
    assert client.get(f"/areas/kaku/programs/{program.pk}/").status_code == 200
    assert client.get(f"/areas/shinjo-mogami/programs/{program.pk}/").status_code == 404
    mine = shinjo_program()
    assert client.get(f"/areas/shinjo-mogami/programs/{mine.pk}/").status_code == 200
    assert client.get(f"/areas/kaku/programs/{mine.pk}/").status_code == 404


def test_a_town_of_both_areas_shows_in_each_and_one_of_neither_is_not_found(client, other):
    assert client.get("/areas/kaku/towns/063614/").status_code == 200  # 金山町: in both
    assert client.get("/areas/shinjo-mogami/towns/063614/").status_code == 200
    assert client.get("/areas/kaku/towns/062057/").status_code == 404  # 新庄市: not in kaku


def test_an_unknown_area_is_not_found(client, other):
    assert client.get("/areas/nowhere/").status_code == 404
    assert client.get("/areas/nowhere/kpis/").status_code == 404


def test_an_area_at_its_own_host_name(client, other):
    with override_settings(
        AREA_HOSTS=["kaku.example.lg.jp=kaku"], ALLOWED_HOSTS=["kaku.example.lg.jp", "testserver"]
    ):
        html = client.get("/", HTTP_HOST="kaku.example.lg.jp").content.decode()
        assert OTHER_TITLE in html
        assert 'href="/kpis/"' in html  # at the root of its domain
        default = client.get("/").content.decode()
    assert OTHER_TITLE not in default


def test_default_area_decides_the_root(client, other, vision):
    with override_settings(DEFAULT_AREA="kaku"):
        assert OTHER_TITLE in client.get("/").content.decode()
        assert current_vision().slug == "kaku-2"
    assert current_vision() == vision


def test_scoping_outside_a_request(other, vision):
    assert current_slug() is None and area_filter("vision__") == area_filter()
    with in_area("kaku"):
        assert current_vision().title == OTHER_TITLE
        assert list(Vision.objects.filter(area_filter())) == [other[1]]
    assert current_vision() == vision


def test_the_areas_page_lists_every_area(client, other, vision):
    response = client.get("/areas/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "新庄最上定住自立圏" in html and "架空定住自立圏" in html
    assert 'href="/areas/kaku/"' in html and 'href="/areas/shinjo-mogami/"' in html
    row = re.search(r'<a href="/areas/kaku/"[^>]*>.*?</tr>', html, re.S).group(0)
    assert "金山町" in row and "大蔵村" in row  # its central city and member
    assert re.search(r'<td class="num">1</td>\s*</tr>', row)  # one KPI
    shinjo = re.search(r'<a href="/areas/shinjo-mogami/"[^>]*>.*?</tr>', html, re.S).group(0)
    kpis = vision_kpi_count(vision)
    assert re.search(rf'<td class="num">{kpis}</td>\s*</tr>', shinjo)
    english = client.get("/en/areas/").content.decode()
    assert 'href="/areas/kaku/en/"' in english and "Kaku Settlement Area" in english


def vision_kpi_count(vision):
    from kpis.models import KPI

    return KPI.objects.filter(program__item__category__policy_field__vision=vision).count()


def test_the_areas_page_does_not_query_per_area(client, other):
    with CaptureQueriesContext(connection) as two:
        client.get("/areas/")
    for n in range(3):
        area = Area.objects.create(slug=f"more-{n}", name=f"追加圏{n}")
        more = make_vision(area=area, slug=f"more-{n}-1", edition=1)
        make_kpi(make_program(make_item(more), participants=["063614"]))
    with CaptureQueriesContext(connection) as five:
        response = client.get("/areas/")
    assert response.content.decode().count("追加圏") == 3
    assert len(five) == len(two)


def test_cached_pages_of_two_areas_never_mix(client, other, settings):
    locmem = "django.core.cache.backends.locmem.LocMemCache"
    caches = {alias: {"BACKEND": locmem, "LOCATION": f"areas-{alias}"} for alias in settings.CACHES}
    with override_settings(
        PUBLIC_PAGE_CACHE=True,
        CACHES=caches,
        AREA_HOSTS=["kaku.example.lg.jp=kaku"],
        ALLOWED_HOSTS=["kaku.example.lg.jp", "testserver"],
    ):
        for _ in range(2):  # stored, then from the cache
            assert OTHER_TITLE not in client.get("/").content.decode()
            assert OTHER_TITLE in client.get("/areas/kaku/").content.decode()
            assert OTHER_TITLE not in client.get("/areas/shinjo-mogami/").content.decode()
            assert OTHER_TITLE in client.get("/", HTTP_HOST="kaku.example.lg.jp").content.decode()
        assert client.get("/areas/kaku/")["X-Public-Cache"] == "hit"


def test_a_vision_saved_without_an_area_gets_the_one_its_slug_implies(db):
    first = make_vision(slug="yamabiko-2", edition=2, area_name="やまびこ定住自立圏")
    second = make_vision(slug="yamabiko-3", edition=3, area_name="やまびこ定住自立圏")
    assert first.area == second.area
    assert first.area.slug == "yamabiko" and first.area.name == "やまびこ定住自立圏"
    assert first.area.current_vision() == second


# --- open data per area and for all ----------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    import csv
    import io

    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_each_area_has_its_own_open_data(client, other):
    kaku = client.get("/areas/kaku/opendata/kpis.json").json()
    assert [row["name"] for row in kaku] == [OTHER_KPI]
    shinjo = client.get("/opendata/kpis.json").json()
    assert OTHER_KPI not in {row["name"] for row in shinjo}
    assert client.get("/areas/shinjo-mogami/opendata/kpis.json").json() == shinjo


def test_combined_open_data_has_every_area_with_the_area_in_front(client, other):
    combined = csv_rows(client.get("/opendata/areas/kpis.csv"))
    shinjo = csv_rows(client.get("/opendata/kpis.csv"))
    kaku = csv_rows(client.get("/areas/kaku/opendata/kpis.csv"))
    assert combined[0] == ["圏域ID", "圏域名", *shinjo[0]]
    assert (
        combined[1:]
        == [  # areas in their display order (sort order, then slug)
            *(["kaku", "架空定住自立圏", *row] for row in kaku[1:]),
            *(["shinjo-mogami", "新庄最上定住自立圏", *row] for row in shinjo[1:]),
        ]
    )
    rows = client.get("/opendata/areas/kpi_actuals.json").json()
    assert {row["area"] for row in rows} <= {"shinjo-mogami", "kaku"}
    by_area = [
        {k: v for k, v in row.items() if k not in ("area", "area_name")}
        for row in rows
        if row["area"] == "shinjo-mogami"
    ]
    assert by_area == client.get("/opendata/kpi_actuals.json").json()
    assert client.get("/opendata/areas/nothing.csv").status_code == 404


def test_pages_about_every_area_are_not_found_under_one_area(client, other):
    assert client.get("/areas/kaku/areas/").status_code == 404
    assert client.get("/areas/kaku/opendata/areas/kpis.csv").status_code == 404
    assert client.get("/areas/").status_code == 200


# --- the area's own names on its pages ---------------------------------------------------


def test_an_area_s_pages_carry_its_own_names(client, other):
    html = client.get("/areas/kaku/").content.decode()
    assert "<title>トップ | 架空定住自立圏 共生ビジョン</title>" in html
    assert '<span class="site-title__area">架空定住自立圏</span>' in html
    assert "<p>金山町・大蔵村</p>" in html and "<p>事務局：金山町</p>" in html
    assert '<p class="hero__eyebrow">金山町・大蔵村の共同計画</p>' in html
    assert f"<h1>{OTHER_TITLE}</h1>" in html
    assert "新庄最上" not in html
    english = client.get("/areas/kaku/en/").content.decode()
    assert '<span class="site-title__area">Kaku Settlement Area</span>' in english
    assert "<p>Secretariat: Kaneyama Town</p>" in english
    assert f'<h1 lang="ja">{OTHER_TITLE}</h1>' in english  # no English title: marked


def test_shinjo_mogami_under_its_area_address_reads_as_at_the_root(client, other):
    for root, area in (("/", "/areas/shinjo-mogami/"), ("/en/", "/areas/shinjo-mogami/en/")):
        at_root = client.get(root).content.decode()
        under = client.get(area).content.decode().replace('"/areas/shinjo-mogami/', '"/')
        under = under.replace("http://testserver/areas/shinjo-mogami/", "http://testserver/")
        differing = [
            (a, b) for a, b in zip(at_root.splitlines(), under.splitlines(), strict=True) if a != b
        ]
        # Only the description differs: the root keeps its hand-written one.
        assert [a for a, _b in differing] == [
            line for line in at_root.splitlines() if 'name="description"' in line
        ]


def test_the_language_switch_and_alternates_stay_in_the_area(client, other):
    html = client.get("/areas/kaku/kpis/").content.decode()
    assert (
        '<link rel="alternate" hreflang="en" href="http://testserver/areas/kaku/en/kpis/">' in html
    )
    assert '<a href="/areas/kaku/en/kpis/" hreflang="en"' in html
    english = client.get("/areas/kaku/en/kpis/").content.decode()
    assert '<a href="/areas/kaku/kpis/" hreflang="ja"' in english


def test_only_the_platform_administrator_creates_and_changes_areas(client, other, reviewer):
    from django.contrib.auth.models import User

    area = other[0]
    client.force_login(reviewer)
    assert client.get("/admin/vision/area/").status_code == 200
    assert client.get("/admin/vision/area/add/").status_code == 403
    platform = User.objects.create_superuser("platform", password="x-pass-123")
    client.force_login(platform)
    page = client.get(f"/admin/vision/area/{area.pk}/change/").content.decode()
    assert 'name="slug"' not in page  # fixed once the area exists
    response = client.post(
        "/admin/vision/area/add/",
        {"slug": "yume", "name": "夢定住自立圏", "kind": "metropolitan", "sort_order": 0},
    )
    assert response.status_code == 302
    assert Area.objects.get(slug="yume").get_kind_display() == "連携中枢都市圏"
