from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.japanese import fiscal_year_label
from core.security import DEMO_PASSWORD  # development only; refused in production
from municipalities.models import Municipality, Profile
from vision.models import ReportingYear, Vision

DEMO_EMAIL_DOMAIN = "example.invalid"
DEMO_YEAR = 2025  # 令和7年度: the year of the plan estimates printed in the vision

# Every admin page of the plan, the statistics and the figures asks
# municipalities.roles from the user's role (Profile): no Django permission is
# granted here, so an account made by hand in the admin works the same way.


class Command(BaseCommand):
    help = (
        "開発用のデモアカウント（secretariat, reviewer, officer-<市町村コード>）を作り、"
        "令和7年度の年度報告を開きます。本番では使えません。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            default=DEMO_YEAR,
            help="年度報告を開く年度（西暦）。既定は 2025（令和7年度）。",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("デモアカウントは本番環境では作成できません。")
        if not Municipality.objects.exists():
            raise CommandError(
                "市町村がありません。先に manage.py load_vision を実行してください。"
            )
        accounts = [
            ("secretariat", Profile.Role.SECRETARIAT, None),
            ("reviewer", Profile.Role.REVIEWER, None),
        ]
        accounts += [
            (f"officer-{m.code}", Profile.Role.OFFICER, m) for m in Municipality.objects.all()
        ]
        for username, role, municipality in accounts:
            user, created = User.objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = role == Profile.Role.SECRETARIAT
            user.email = user.email or f"{username}@{DEMO_EMAIL_DOMAIN}"
            if created or not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
            user.save()
            profile, _ = Profile.objects.update_or_create(
                user=user, defaults={"role": role, "municipality": municipality}
            )
            profile.full_clean()
            self.stdout.write(f"  {username}（{municipality or Profile.Role(role).label}）")
        self.stdout.write(f"デモアカウント {len(accounts)} 件（パスワード: {DEMO_PASSWORD}）")

        vision = Vision.objects.current()
        if vision is not None:
            reporting_year, created = ReportingYear.objects.get_or_create(
                vision=vision, fiscal_year=options["year"]
            )
            state = "開きました" if created else "開いています"
            self.stdout.write(
                f"年度報告: {fiscal_year_label(reporting_year.fiscal_year)}を{state}"
                "（提出期限は管理画面の「報告年度」で設定します）"
            )
