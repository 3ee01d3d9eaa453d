"""Write what the public sees into a folder, so that two versions of the code can be compared.

    python -m bench.snapshot OUT_DIR

Builds a fresh SQLite database in a temporary folder (the vision, six fiscal years of
approved figures from bench/synthetic.py with seed 7, fiscal year 2026 locked and its
progress report published, one plan revision that changes a KPI target), with every
timestamp set to one fixed moment, then writes into OUT_DIR:

- every public page in Japanese and in English (``pages/…``), the KPI list with a filter
  and its CSV download;
- every open-data file (``opendata/…``);
- the progress report of fiscal year 2026: its summary, every cell of the .xlsx with its
  number format, and the HTML the PDF is made from (``report/…``).

Run it before and after a change and compare with ``diff -r``: a refactoring that changes
no output leaves no difference. The page cache is off, so every page is rendered.
"""

import datetime
import io
import os
import sys
import tempfile
from pathlib import Path

FIXED = datetime.datetime(2026, 6, 30, 9, 0, tzinfo=datetime.UTC)
YEAR = 2026


def _setup(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["PUBLIC_PAGE_CACHE"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _data() -> None:
    from django.contrib.auth import get_user_model

    from bench import synthetic
    from core.cache import bump_public_version
    from kpis.models import KPI, KPIActual
    from programs.models import CostShare
    from reports.publishing import publish_report
    from revisions.services import change_target, create_revision
    from vision.models import PlanRevision, PublishedReport, ReportingYear, RevisionChange, Vision

    synthetic.generate(scale=1, seed=7)
    for model in (CostShare, KPIActual):
        model.objects.update(updated_at=FIXED, submitted_at=FIXED)
        model.objects.filter(approved_at__isnull=False).update(approved_at=FIXED)
    user = get_user_model().objects.create_superuser("snapshot", "s@example.invalid", "x")
    vision = Vision.objects.current()
    year, _ = ReportingYear.objects.get_or_create(vision=vision, fiscal_year=YEAR)
    ReportingYear.objects.filter(pk=year.pk).update(is_locked=True, locked_at=FIXED)
    year.refresh_from_db()
    publish_report(user=user, reporting_year=year)
    ReportingYear.objects.filter(pk=year.pk).update(report_published_at=FIXED)
    PublishedReport.objects.update(published_at=FIXED)
    revision = create_revision(
        user=user,
        vision=vision,
        title="令和9年3月変更",
        decided_on=datetime.date(2027, 3, 20),
        basis="共生ビジョン懇談会",
    )
    kpi = (
        KPI.objects.filter(program__item__category__policy_field__vision=vision, target__gt=0)
        .order_by("pk")
        .first()
    )
    change_target(user=user, revision=revision, kpi=kpi, effective_year=2027, target=kpi.target * 2)
    PlanRevision.objects.update(created_at=FIXED)
    RevisionChange.objects.update(recorded_at=FIXED)
    bump_public_version()


def _urls() -> list[str]:
    from django.urls import reverse
    from django.utils import translation

    from kpis.models import KPI
    from municipalities.models import Municipality
    from programs.models import Program
    from public.opendata import DATASETS
    from vision.models import PlanRevision

    urls = []
    for language in ("ja", "en"):
        with translation.override(language):
            urls += [
                reverse("public:home"),
                reverse("public:plan"),
                reverse("public:agreement"),
                reverse("public:statistics"),
                reverse("public:progress_rules"),
                reverse("public:accessibility"),
                reverse("public:kpis:list"),
                reverse("public:kpis:list") + "?town=063657",
                reverse("public:kpis:list") + "?sort=-rate",
                reverse("public:kpis:list") + "?_export=csv",
                reverse("public:municipalities:index"),
                reverse("public:document:page"),
                reverse("public:reports:index"),
                reverse("public:reports:year", args=[YEAR]),
                reverse("public:revisions:index"),
                reverse("public:revisions:compare"),
                reverse("opendata:index"),
            ]
            urls += [reverse("public:programs:detail", args=[p.pk]) for p in Program.objects.all()]
            urls += [
                reverse("public:municipalities:detail", args=[m.code])
                for m in Municipality.objects.all()
            ]
            urls += [
                reverse("public:revisions:detail", args=[r.pk]) for r in PlanRevision.objects.all()
            ]
            for name in DATASETS:
                urls += [
                    reverse("opendata:csv", args=[name]),
                    reverse("opendata:json", args=[name]),
                ]
    assert KPI.objects.exists()
    return urls


def _report(out: Path) -> None:
    import openpyxl
    from django.template.loader import render_to_string
    from django.utils import translation

    from reports.report import build_report, summary_json
    from reports.report_xlsx import render_xlsx
    from vision.models import Vision

    report = build_report(vision=Vision.objects.current(), fiscal_year=YEAR)
    (out / "summary.txt").write_text(repr(summary_json(report)), encoding="utf-8")
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))
    lines = []
    for sheet in book.worksheets:
        lines.append(f"# {sheet.title} {sheet.page_setup.orientation} {sheet.print_title_rows}")
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    lines.append(f"{cell.coordinate}\t{cell.value!r}\t{cell.number_format}")
    (out / "report.xlsx.txt").write_text("\n".join(lines), encoding="utf-8")
    with translation.override("ja"):
        html = render_to_string("reports/report.html", {"report": report})
    (out / "report.pdf.html").write_text(html, encoding="utf-8")


def main() -> int:
    out = Path(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        _setup(Path(tmp) / "db.sqlite3")
        _data()
        from django.test import Client

        client = Client()
        for url in _urls():
            response = client.get(url)
            name = url.strip("/").replace("/", "__").replace("?", "@") or "index"
            path = out / ("opendata" if "opendata" in url else "pages") / name
            path.parent.mkdir(parents=True, exist_ok=True)
            body = b"".join(response) if response.streaming else response.content
            path.write_bytes(f"{response.status_code}\n".encode() + body)
        (out / "report").mkdir(parents=True, exist_ok=True)
        _report(out / "report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
