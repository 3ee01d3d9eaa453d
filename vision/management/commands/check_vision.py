from django.core.management.base import BaseCommand, CommandError

from vision.models import Vision
from vision.quality import ERROR, check_vision


class Command(BaseCommand):
    help = "ビジョンのデータ品質をチェックし、矛盾（エラー）と未決事項（注意）を一覧にします。エラーがあれば終了コード1。"

    def add_arguments(self, parser):
        parser.add_argument("--vision", help="ビジョンの識別名（省略時はすべて）")

    def handle(self, *args, **options):
        visions = Vision.objects.all()
        if options["vision"]:
            visions = visions.filter(slug=options["vision"])
        if not visions:
            raise CommandError(
                "ビジョンが登録されていません。先に manage.py load_vision を実行してください。"
            )
        errors = 0
        for vision in visions:
            findings = check_vision(vision)
            self.stdout.write(f"{vision.title}")
            for finding in findings:
                self.stdout.write(f"  {finding}")
            vision_errors = sum(1 for f in findings if f.severity == ERROR)
            errors += vision_errors
            self.stdout.write(
                f"  エラー {vision_errors} 件、注意 {len(findings) - vision_errors} 件"
            )
        if errors:
            raise CommandError(f"データの矛盾が {errors} 件あります。", returncode=1)
