"""Time a 10,000-row .xlsx import against reading the same file with openpyxl alone.

Run by bench/run.py in a process of its own, on a database of its own:

    DATABASE_URL=sqlite:///bench/out/import.sqlite3 python -m bench.imports out.json

A made-up vision where one town takes part in 5,000 programs owes 10,000
figures (budget and settlement) for one fiscal year. The town's officer
downloads the return's template, fills in every value, and imports it through
the real screens (Django's test client, no network): the upload with its preview
page (``returns.imports`` checks the file's structure in one streaming pass over its
XML and reads the values once with openpyxl's read-only mode; the preview is kept
in the session and shown row by row), then the confirmation
(``returns.services.save_entries`` saves all 10,000 drafts in one transaction, in
bulk). Baseline: ``openpyxl.load_workbook`` of the same bytes (normal mode, saved
results of formulas) and reading every cell value.

``returns.imports`` refuses more than MAX_ROWS rows (5,000 when this was written):
the benchmark raises that limit in its own process only, and says so.
"""

import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROWS = 10_000
PROGRAMS = ROWS // 2
YEAR = 2026


def _setup_data():
    from django.contrib.auth.models import User

    from bench.synthetic import municipality_code
    from municipalities.models import Municipality, Profile
    from programs.models import Program
    from vision.models import AgreementItem, Category, PolicyField, ReportingYear, Vision

    town = Municipality.objects.create(code=municipality_code(999), name="計測町", sort_order=1)
    vision = Vision.objects.create(
        slug="bench-import",
        area_name="計測圏",
        title="取り込み計測用ビジョン",
        edition=99,
        period_start=2026,
        period_end=2030,
    )
    vision.municipalities.add(town)
    field = PolicyField.objects.create(vision=vision, number=1, title="分野")
    category = Category.objects.create(policy_field=field, number=1, title="分類")
    item = AgreementItem.objects.create(category=category, number=1, title="項目")
    programs = Program.objects.bulk_create(
        Program(item=item, number=n, name=f"計測事業{n:05d}") for n in range(1, PROGRAMS + 1)
    )
    Program.participants.through.objects.bulk_create(
        Program.participants.through(program_id=p.pk, municipality_id=town.pk) for p in programs
    )
    ReportingYear.objects.create(vision=vision, fiscal_year=YEAR)
    officer = User.objects.create_user("bench-officer", is_staff=True)  # force_login: no password
    Profile.objects.create(user=officer, role=Profile.Role.OFFICER, municipality=town)
    return town, officer


def _filled(template: bytes) -> bytes:
    """The template with a value typed into every row (as an officer would)."""
    from openpyxl import load_workbook

    from returns import imports

    wb = load_workbook(io.BytesIO(template))
    ws = wb[imports.SHEET_TITLE] if imports.SHEET_TITLE in wb.sheetnames else wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    column = headers.index(imports.VALUE) + 1
    for row in range(2, ws.max_row + 1):
        ws.cell(row=row, column=column, value=(row * 37) % 20000)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _openpyxl_alone(data: bytes) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), data_only=True)
    cells = 0
    for row in wb.worksheets[0].iter_rows(values_only=True):
        cells += sum(1 for _value in row)
    return cells


def _timed(func, *args):
    start = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - start, result


def run() -> dict:
    from django.test import Client
    from django.urls import reverse

    from returns import imports

    limit = imports.MAX_ROWS
    raised = limit < ROWS
    if raised:  # this process only: see the module docstring
        imports.MAX_ROWS = ROWS
        if hasattr(imports, "MAX_CELLS"):
            imports.MAX_CELLS = (ROWS + 1) * 40
    town, officer = _setup_data()
    client = Client()
    client.force_login(officer)

    seconds, response = _timed(client.get, reverse("returns:template", args=[YEAR, town.code]))
    assert response.status_code == 200, response.status_code
    template = response.content
    data = _filled(template)
    baseline = [_timed(_openpyxl_alone, data)[0] for _ in range(3)]

    upload = io.BytesIO(data)
    upload.name = "return.xlsx"
    start = time.perf_counter()
    response = client.post(reverse("returns:upload", args=[YEAR, town.code]), {"file": upload})
    upload_seconds = time.perf_counter() - start
    if response.status_code != 302:
        raise RuntimeError(f"upload answered {response.status_code}")
    preview_url = response["Location"]
    start = time.perf_counter()
    response = client.get(preview_url)
    page_seconds = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    start = time.perf_counter()
    response = client.post(preview_url, {})
    confirm_seconds = time.perf_counter() - start
    if response.status_code != 302:
        raise RuntimeError(f"confirmation answered {response.status_code}")

    from programs.models import CostShare

    saved = CostShare.objects.filter(municipality=town, fiscal_year=YEAR).count()
    openpyxl_seconds = statistics.median(baseline)
    return {
        "rows": ROWS,
        "file_bytes": len(data),
        "saved": saved,
        "max_rows_in_code": limit,
        "max_rows_raised_for_bench": raised,
        "template_seconds": seconds,
        "openpyxl_seconds": openpyxl_seconds,
        "upload_seconds": upload_seconds,
        "preview_page_seconds": page_seconds,
        "preview_seconds": upload_seconds + page_seconds,
        "confirm_seconds": confirm_seconds,
        "preview_ratio": (upload_seconds + page_seconds) / openpyxl_seconds,
        "confirm_ratio": confirm_seconds / openpyxl_seconds,
        "total_ratio": (upload_seconds + page_seconds + confirm_seconds) / openpyxl_seconds,
    }


def main():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        result = run()
    except Exception as exc:  # reported in the results, never hidden
        result = {"error": f"{type(exc).__name__}: {exc}"}
    Path(sys.argv[1]).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
