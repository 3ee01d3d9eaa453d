from django.core.management.base import BaseCommand

from vision.loader import FIXTURE_DIR, load_vision, read_fixtures


class Command(BaseCommand):
    help = (
        "ビジョンのデータ（fixtures/vision/*.json）を読み込みます。何度実行しても結果は同じです。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", default=str(FIXTURE_DIR), help="plan.json と statistics.json のあるフォルダ"
        )

    def handle(self, *args, **options):
        from pathlib import Path

        plan, statistics = read_fixtures(Path(options["dir"]))
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
