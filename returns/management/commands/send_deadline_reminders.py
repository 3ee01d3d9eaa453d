"""E-mail the officers whose annual return is incomplete before a year's deadline.

Run it once a day (cron or a systemd timer). A reporting year is reminded
about while its deadline is today or within the next ``--days`` days and it
is not locked; each town with any figure not yet submitted or approved gets
one message per officer with an e-mail address.
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.japanese import fiscal_year_label
from returns.annual import build_return
from returns.notifications import deadline_reminder
from vision.models import ReportingYear


class Command(BaseCommand):
    help = "提出期限が近い年度について、年度報告が未完了の市町村担当者にメールで知らせます。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=7, help="期限の何日前から知らせるか（既定 7 日）。"
        )
        parser.add_argument(
            "--today",
            default="",
            help="基準日（YYYY-MM-DD）。省略すると今日（日本時間）。",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="メールに載せるリンクの先頭（例 https://vision.example.lg.jp）。省略すると settings.SITE_URL。",
        )

    def handle(self, *args, **options):
        if options["days"] < 0:
            raise CommandError("--days は 0 以上にしてください。")
        try:
            today = date.fromisoformat(options["today"]) if options["today"] else None
        except ValueError:
            raise CommandError("--today は YYYY-MM-DD の形で指定してください。") from None
        today = today or timezone.localdate()
        until = today + timedelta(days=options["days"])
        years = ReportingYear.objects.filter(
            is_locked=False, deadline__gte=today, deadline__lte=until
        ).select_related("vision")
        sent = 0
        for reporting_year in years:
            for town in reporting_year.vision.municipalities.order_by("sort_order", "code"):
                ret = build_return(
                    vision=reporting_year.vision, reporting_year=reporting_year, reporter=town
                )
                if not ret.lines or ret.is_complete:
                    continue
                count = deadline_reminder(
                    annual_return=ret,
                    deadline=reporting_year.deadline,
                    base_url=options["base_url"],
                )
                sent += count
                self.stdout.write(
                    f"  {fiscal_year_label(reporting_year.fiscal_year)} {town.name}: "
                    f"未提出 {ret.due - ret.reported}/{ret.due} 件、{count} 通"
                )
        self.stdout.write(f"期限のお知らせを {sent} 通送りました。")
