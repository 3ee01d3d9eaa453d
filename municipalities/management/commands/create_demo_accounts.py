from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from municipalities.models import Municipality, Profile

DEMO_PASSWORD = "mogami-demo-2026"  # noqa: S105  (development only; refused in production)


class Command(BaseCommand):
    help = "開発用のデモアカウント（secretariat, reviewer, officer-<市町村コード>）を作ります。本番では使えません。"

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
            if created or not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
            user.save()
            Profile.objects.update_or_create(
                user=user, defaults={"role": role, "municipality": municipality}
            )
            self.stdout.write(f"  {username}（{municipality or Profile.Role(role).label}）")
        self.stdout.write(f"デモアカウント {len(accounts)} 件（パスワード: {DEMO_PASSWORD}）")
