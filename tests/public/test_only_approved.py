"""Only approved figures are public: a draft, submitted or returned value, or a change made
after approval, never appears on any public page, download or open-data file."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from core.models import FigureStatus
from kpis.models import KPI, KPIActual
from municipalities.models import Municipality
from programs.models import CostShare, Program
from public.opendata import DATASETS
from tests.constants import FARMING, SHINJO, TOURISM
from tests.public.html import text

pytestmark = pytest.mark.django_db

APPROVED_AT = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
SECRETS = [987654, 876543, 765432, 654321, 543210, 432109, 321098]


@pytest.fixture(autouse=True)
def japanese():
    with translation.override("ja"):
        yield


def actual(kpi, value, status, *, year=2026, municipality=None, approved=None):
    return KPIActual.objects.create(
        kpi=kpi,
        fiscal_year=year,
        municipality=municipality,
        value=Decimal(value),
        status=status,
        approved_value=None if approved is None else Decimal(approved),
        approved_at=None if approved is None else APPROVED_AT,
    )


def share(program, town, amount, status, *, approved=None, kind=CostShare.Kind.BUDGET):
    return CostShare.objects.create(
        program=program,
        municipality=town,
        fiscal_year=2026,
        kind=kind,
        amount_kyen=amount,
        status=status,
        approved_amount_kyen=approved,
        approved_at=None if approved is None else APPROVED_AT,
    )


@pytest.fixture
def figures(vision, okura, kaneyama):
    tourism = KPI.objects.get(name="最上地域の観光者数")
    patients = KPI.objects.get(name="受診者数")
    farmers = KPI.objects.get(name="圏域内の新規就農者数")
    actual(tourism, "987654", FigureStatus.DRAFT)
    actual(tourism, "876543", FigureStatus.SUBMITTED, year=2027)
    # approved at 2,300, then changed to 765,432 and not yet approved again
    actual(patients, "765432", FigureStatus.DRAFT, approved="2300")
    actual(farmers, "654321", FigureStatus.SUBMITTED, municipality=okura)
    program = Program.objects.get(name=TOURISM)
    share(program, okura, 543210, FigureStatus.DRAFT)
    share(program, kaneyama, 432109, FigureStatus.RETURNED)
    share(program, Municipality.objects.get(code=SHINJO), 321098, FigureStatus.DRAFT, approved=600)


def public_urls() -> list[str]:
    program_ids = Program.objects.filter(
        name__in=[TOURISM, "地域連携による夜間休日診療運営事業", FARMING]
    ).values_list("pk", flat=True)
    urls = [
        "/",
        "/plan/",
        "/kpis/",
        "/kpis/?_export=csv",
        "/kpis/?grade=no_data",
        "/towns/",
        "/statistics/",
        "/agreement/",
        "/about/progress/",
        "/opendata/",
    ]
    urls += [reverse("public:programs:detail", args=[pk]) for pk in program_ids]
    urls += [
        reverse("public:municipalities:detail", args=[m.code]) for m in Municipality.objects.all()
    ]
    for name in DATASETS:
        urls += [f"/opendata/{name}.json", f"/opendata/{name}.csv"]
    return urls + ["/en" + u for u in urls if not u.startswith("/opendata/")]


def leaks(body: str) -> list[int]:
    return [n for n in SECRETS if str(n) in body or f"{n:,}" in body]


def test_no_unapproved_figure_reaches_any_public_page(client, figures):
    for url in public_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode("utf-8-sig")
        assert body.strip(), url  # a page, a file or a dataset with something in it
        assert leaks(body) == [], url


def test_no_unapproved_figure_reaches_the_excel_download(client, figures):
    from io import BytesIO

    from openpyxl import load_workbook

    response = client.get("/kpis/?_export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    cells = [str(c.value) for r in sheet.iter_rows() for c in r if c.value is not None]
    assert "受診者数" in cells
    assert leaks(" ".join(cells)) == []


def test_the_approved_value_is_shown_with_its_year_and_date(client, figures):
    url = reverse(
        "public:programs:detail",
        args=[Program.objects.get(name="地域連携による夜間休日診療運営事業").pk],
    )
    page = text(client.get(url).content.decode())
    assert "令和8年度（2026年度）の実績：2,300人（2026年6月15日 承認）" in page


def test_an_approved_budget_is_shown_but_not_its_later_change(client, figures):
    url = reverse("public:programs:detail", args=[Program.objects.get(name=TOURISM).pk])
    body = client.get(url).content.decode()
    assert "R8 予算" in body and ">600<" in body


def test_the_top_page_dates_the_latest_approval(client, figures):
    assert "最新の承認日：2026年6月15日" in text(client.get("/").content.decode())
