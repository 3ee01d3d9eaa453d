"""python manage.py progress_report --year 2025 --format xlsx|pdf --output FILE

Writes the yearly progress report (進捗状況報告) of the current vision from approved
figures only, the same file the admin's 進捗状況報告 page gives.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.pdf import report_pdf
from reports.report import build_report
from reports.report_xlsx import render_xlsx
from vision.models import Vision


class Command(BaseCommand):
    help = "年度の進捗状況報告（承認済みの数値のみ）を Excel または PDF で書き出します。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", type=int, required=True, help="年度（西暦）。令和7年度なら 2025。"
        )
        parser.add_argument("--format", choices=["xlsx", "pdf"], required=True, dest="fmt")
        parser.add_argument("--output", required=True, help="書き出すファイル。")
        parser.add_argument(
            "--vision", default=None, help="ビジョンの識別名（省略時は最新のビジョン）。"
        )

    def handle(self, *args, year, fmt, output, vision, **options):
        if vision:
            target = Vision.objects.filter(slug=vision).first()
            if target is None:
                raise CommandError(f"識別名 {vision} のビジョンはありません。")
        else:
            target = Vision.objects.current()
            if target is None:
                raise CommandError(
                    "ビジョンがまだ登録されていません（load_vision を実行してください）。"
                )
        if not 2000 <= year <= 2100:
            raise CommandError(f"年度 {year} は西暦で指定してください（例：2025）。")
        report = build_report(vision=target, fiscal_year=year)
        content = render_xlsx(report) if fmt == "xlsx" else report_pdf(report)
        path = Path(output)
        try:
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"{path} に書き出せません: {exc}") from exc
        self.stdout.write(
            f"{report.title}（{fmt}、{len(content):,} バイト）を {path} に書き出しました。"
            f" 事業 {report.program_count}、成果指標 {report.kpi_count}。"
        )
