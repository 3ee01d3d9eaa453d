"""The issue's "done when", walked with Django's test client as a new user would.

officer-063614 logs in at the admin, fills 金山町's 令和7年度 figures on the annual
return, downloads the template, changes two numbers in the spreadsheet, uploads
it, sees the preview, confirms, submits; the secretariat returns one figure with
a reason and approves the rest; the approved figures appear in the open data,
the returned one does not.
"""

import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core.models import FigureStatus
from kpis.models import KPIActual
from municipalities.models import Municipality
from programs.models import CostShare
from tests.constants import KANEYAMA
from tests.returns.helpers import (
    form_data,
    header_index,
    shown_versions,
    submit_confirmed,
    workbook,
    xlsx_upload,
)

pytestmark = pytest.mark.django_db

PASSWORD = "mogami-demo-2026"


def log_in(username: str) -> Client:
    client = Client()
    response = client.post(
        reverse("admin:login"),
        {"username": username, "password": PASSWORD, "next": reverse("admin:index")},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def opendata(client, name):
    response = client.get(f"/opendata/{name}.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_officer_to_open_data_scenario(
    mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("create_demo_accounts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    kaneyama = Municipality.objects.get(code=KANEYAMA)

    # --- the officer logs in and finds the annual return from the admin index
    officer = log_in("officer-063614")
    index = officer.get(reverse("admin:index")).content.decode()
    assert reverse("returns:index") in index
    page = officer.get(reverse("returns:index")).content.decode()
    return_url = reverse("returns:return", args=[2025, KANEYAMA])
    assert return_url in page

    # --- fills every figure on the form and saves a draft
    html = officer.get(return_url).content.decode()
    data = form_data(html)
    value_fields = sorted(k for k in data if k.startswith("v-"))
    assert len(value_fields) == 39  # 19 programs × budget and settlement, 新規就農者数
    for number, field in enumerate(value_fields, start=1):
        data[field] = "３" if field.startswith("v-kpi-") else f"{number * 10:,}"
    data["action"] = "save"
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(return_url, data)
    assert response.status_code == 302
    drafts = CostShare.objects.filter(municipality=kaneyama, fiscal_year=2025).exclude(
        kind=CostShare.Kind.PLAN
    )
    assert drafts.count() == 38
    assert set(drafts.values_list("status", flat=True)) == {FigureStatus.DRAFT}
    farmers = KPIActual.objects.get(municipality=kaneyama, fiscal_year=2025)
    assert farmers.value == 3

    # --- downloads the template, changes two numbers, uploads, previews, confirms
    template = officer.get(reverse("returns:template", args=[2025, KANEYAMA]))
    assert template.status_code == 200
    wb = workbook(template.content)
    ws = wb.worksheets[0]
    col = header_index(ws)
    first_budget_row = next(
        r for r in range(2, ws.max_row + 1) if ws.cell(r, col["区分"]).value == "予算"
    )
    kpi_row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col["区分"]).value == "実績")
    ws.cell(first_budget_row, col["値（入力）"]).value = "１，２３４"
    ws.cell(kpi_row, col["値（入力）"]).value = 4
    changed_program = ws.cell(first_budget_row, col["事業ID"]).value
    response = officer.post(
        reverse("returns:upload", args=[2025, KANEYAMA]), {"file": xlsx_upload(wb)}
    )
    assert response.status_code == 302
    preview = officer.get(response["Location"])
    text = preview.content.decode()
    assert "変更 2 件" in text and "変更なし 37 件" in text and "エラー 0 件" in text
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = officer.post(response["Location"], {"confirm": "1"})
    assert confirmed.status_code == 302
    changed = CostShare.objects.get(
        municipality=kaneyama, fiscal_year=2025, kind="budget", program_id=changed_program
    )
    assert changed.amount_kyen == 1234
    farmers.refresh_from_db()
    assert farmers.value == 4

    # --- submits
    with django_capture_on_commit_callbacks(execute=True):
        response = submit_confirmed(officer, KANEYAMA)  # through the confirmation (確認)
    assert response.status_code == 302
    assert drafts.filter(status=FigureStatus.SUBMITTED).count() == 38
    assert [m.to for m in mailoutbox] == [["secretariat@example.invalid"]]
    assert "金山町" in mailoutbox[0].subject

    # --- nothing is public yet
    public = log_in("reviewer")  # any client will do; open data needs no login
    assert not [r for r in opendata(public, "kpi_actuals") if r["municipality_code"] == KANEYAMA]

    # --- the secretariat returns one figure with a reason and approves the rest
    secretariat = log_in("secretariat")
    review_url = reverse("returns:review", args=[2025, KANEYAMA])
    review = secretariat.get(review_url).content.decode()
    returned_key = f"settlement-{changed_program}"
    assert f'name="d-{returned_key}"' in review
    with django_capture_on_commit_callbacks(execute=True):
        response = secretariat.post(
            review_url,
            {
                **shown_versions(review),
                f"d-{returned_key}": "return",
                f"r-{returned_key}": "決算額が予算と同じです。決算書の額を確認してください。",
                "approve_all": "1",
            },
        )
    assert response.status_code == 302
    assert drafts.filter(status=FigureStatus.APPROVED).count() == 37
    returned = drafts.get(status=FigureStatus.RETURNED)
    assert returned.program_id == changed_program and returned.kind == "settlement"
    officer_mail = mailoutbox[-1]
    assert officer_mail.to == ["officer-063614@example.invalid"]
    assert "決算書の額を確認してください" in officer_mail.body

    # --- approved figures are open data; the returned one is not
    shares = [
        r
        for r in opendata(public, "budget_shares")
        if r["municipality_code"] == KANEYAMA and r["kind"] in ("budget", "settlement")
    ]
    assert len(shares) == 37
    assert {"program_id": changed_program, "kind": "budget", "amount_kyen": 1234} in [
        {k: r[k] for k in ("program_id", "kind", "amount_kyen")} for r in shares
    ]
    assert not [
        r for r in shares if r["program_id"] == changed_program and r["kind"] == "settlement"
    ]
    actuals = [r for r in opendata(public, "kpi_actuals") if r["municipality_code"] == KANEYAMA]
    assert [(r["fiscal_year"], r["value"]) for r in actuals] == [(2025, 4)]

    # --- the officer sees the reason on the return
    page = officer.get(return_url).content.decode()
    assert "決算書の額を確認してください" in page
