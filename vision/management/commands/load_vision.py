from pathlib import Path

from django.core.management.base import BaseCommand

from vision.loader import FIXTURE_DIR, load_vision, read_fixtures
from vision.models import Vision


class Command(BaseCommand):
    help = (
        "ビジョンのデータ（fixtures/vision/*.json）を読み込みます。何度実行しても結果は同じです。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", default=str(FIXTURE_DIR), help="plan.json と statistics.json のあるフォルダ"
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="そのビジョンがまだ無いときだけ読み込みます（管理画面での変更や計画変更を上書きしないため）。",
        )

    def handle(self, *args, **options):
        plan, statistics = read_fixtures(Path(options["dir"]))
        if options["if_missing"] and Vision.objects.filter(slug=plan["vision"]["slug"]).exists():
            self.stdout.write("ビジョンは読み込み済みです（--if-missing のため変更しません）。")
            return
        report = load_vision(plan=plan, statistics=statistics)
        created = sum(report.created.values())
        updated = sum(report.updated.values())
        unchanged = sum(report.unchanged.values())
        self.stdout.write(
            f"ビジョンを読み込みました: 新規 {created} 件、更新 {updated} 件、変更なし {unchanged} 件"
        )
        for name, count in sorted(report.created.items()):
            self.stdout.write(f"  新規 {name}: {count}")
        for name, count in sorted(report.updated.items()):
            self.stdout.write(f"  更新 {name}: {count}")
