"""Helpers shared by the annual return and security tests."""

import html
import io
import re
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from kpis.models import KPI, KPIActual
from programs.models import CostShare, Program
from returns.annual import build_return
from tests.constants import KANEYAMA
from vision.models import ReportingYear, Vision

YEAR = 2025
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def open_year(vision: Vision, year: int = YEAR, **kwargs) -> ReportingYear:
    kwargs.setdefault("deadline", date(2026, 6, 30))
    return ReportingYear.objects.create(vision=vision, fiscal_year=year, **kwargs)


def the_return(reporting_year, reporter):
    return build_return(
        vision=reporting_year.vision, reporting_year=reporting_year, reporter=reporter
    )


def return_url(code: str, year: int = YEAR, name: str = "return", *args) -> str:
    return reverse(f"returns:{name}", args=[year, code, *args])


def shown_versions(page: str) -> dict[str, str]:
    """The version fields a page shows (the review page's, the admin list's), as a
    browser posts them back."""
    return dict(re.findall(r'name="((?:ver|shown-version)-[^"]+)" value="(\d+)"', page))


def program(name: str) -> Program:
    return Program.objects.get(name=name)


def kpi(name: str, program_name: str | None = None) -> KPI:
    qs = KPI.objects.filter(name=name)
    if program_name:
        qs = qs.filter(program__name=program_name)
    return qs.get()


def share(program_obj, municipality, kind="budget", year=YEAR) -> CostShare | None:
    return CostShare.objects.filter(
        program=program_obj, municipality=municipality, kind=kind, fiscal_year=year
    ).first()


def figures_snapshot():
    """Every figure's working and approved state, to assert nothing changed."""
    shares = list(
        CostShare.objects.order_by("pk").values_list(
            "pk", "amount_kyen", "approved_amount_kyen", "status", "version", "comment"
        )
    )
    actuals = list(
        KPIActual.objects.order_by("pk").values_list(
            "pk", "value", "approved_value", "status", "version", "comment"
        )
    )
    return shares, actuals


def assert_upload_refused(client, file, *messages, code: str = KANEYAMA) -> str:
    """The upload is refused as a whole (400), or its preview shows row errors and cannot
    be confirmed, even by a hand-made POST; either way with the messages, and nothing is
    saved. Returns the page that says so."""
    before = figures_snapshot()
    response = client.post(return_url(code, YEAR, "upload"), {"file": file})
    if response.status_code == 302:
        url = response["Location"]
        response = client.get(url)
        assert response.status_code == 200
        assert client.post(url, {"confirm": "1"}).status_code == 400
    else:
        assert response.status_code == 400
    page = response.content.decode()
    for message in messages:
        assert message in page, page[:3000]
    assert figures_snapshot() == before
    return page


def form_data(html: str) -> dict:
    """The values of every input of the annual return form, as a browser would post them."""
    data = {}
    for match in re.finditer(r"<input ([^>]*)>", html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(1)))
        name = attrs.get("name", "")
        if re.match(r"^(v|c|ver)-", name):
            data[name] = attrs.get("value", "")
    return data


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def xlsx_upload(wb, name="return.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


def header_index(ws) -> dict[str, int]:
    return {cell.value: cell.column for cell in ws[1]}


def confirmation_fields(page: str) -> dict[str, str]:
    """The hidden inputs of the confirmation before submitting (確認), as a browser posts them
    back with 「この内容で提出する」."""
    form = page[page.index('id="confirm-form"') :]
    form = form[: form.index("</form>")]
    fields = {"confirm": "1"}
    for match in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        if match.group(1) != "csrfmiddlewaretoken":
            fields[match.group(1)] = html.unescape(match.group(2))
    return fields


def submit_confirmed(client, code: str, data: dict | None = None, year: int = YEAR):
    """「確認して提出する」 with ``data`` on the return form, then 「この内容で提出する」 on the
    confirmation: the response to the second POST."""
    confirmation = client.post(return_url(code, year), {**(data or {}), "action": "submit"})
    assert confirmation.status_code == 200, confirmation.status_code
    fields = confirmation_fields(confirmation.content.decode())
    return client.post(return_url(code, year, "confirm"), fields)
