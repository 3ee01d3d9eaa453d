"""E-mail what is still missing in a year's evaluation (事業評価).

The secretariat gets the sheets not yet approved and the KPIs lacking their 要因分析 and
改善策; each participating town's officers get the programs whose 取組状況 the town has not
written or not yet submitted. Without ``--year``, every reporting year of the current
vision that is not locked; a locked year is never reminded about. Run it by hand or from
cron while the year's evaluation is being written.
"""

from django.core.management.base import BaseCommand, CommandError

from core.japanese import fiscal_year_label
from evaluations.notifications import secretariat_reminder, town_reminder, waiting_towns
from evaluations.selectors import program_rows
from vision.models import ReportingYear, Vision


class Command(BaseCommand):
    help = (
        "事業評価について、事務局に未承認の評価シートと要因分析の不足を、"
        "関係市町村の担当者に取組状況の未記入をメールで知らせます。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="評価する年度（西暦、例 2025）。省略すると締めていない全ての報告年度。",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="メールに載せるリンクの先頭（例 https://vision.example.lg.jp）。省略すると settings.SITE_URL。",
        )

    def handle(self, *args, **options):
        vision = Vision.objects.current()
        if vision is None:
            raise CommandError("ビジョンがまだ登録されていません。")
        years = ReportingYear.objects.filter(vision=vision).order_by("fiscal_year")
        if options["year"] is not None:
            years = years.filter(fiscal_year=options["year"])
            if not years.exists():
                raise CommandError(f"{options['year']}年度は報告年度に登録されていません。")
        sent = 0
        for reporting_year in years:
            label = fiscal_year_label(reporting_year.fiscal_year)
            if reporting_year.is_locked:
                self.stdout.write(f"  {label}: 締め済みのため知らせません。")
                continue
            rows = program_rows(vision, reporting_year.fiscal_year)
            count = secretariat_reminder(
                fiscal_year=reporting_year.fiscal_year, rows=rows, base_url=options["base_url"]
            )
            sent += count
            self.stdout.write(f"  {label} 事務局: {count} 通")
            for municipality, towns in waiting_towns(rows).items():
                count = town_reminder(
                    municipality=municipality,
                    fiscal_year=reporting_year.fiscal_year,
                    towns=towns,
                    base_url=options["base_url"],
                )
                sent += count
                self.stdout.write(
                    f"  {label} {municipality.name}: 取組状況の未提出 {len(towns)} 件、{count} 通"
                )
        self.stdout.write(f"事業評価のお知らせを {sent} 通送りました。")
