from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "データベース全体（一つのトランザクションで一貫した状態）とアップロードされたファイルを"
        "一つのアーカイブ（.tar.gz）に書き出します。復元は manage.py restore。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            help="書き出すファイル（既定: mogami-vision-YYYYMMDD-HHMMSS.tar.gz）",
        )
        parser.add_argument("--database", default="default", help="データベースの別名")

    def handle(self, *args, **options):
        output = options["output"] or timezone.localtime().strftime(
            "mogami-vision-%Y%m%d-%H%M%S.tar.gz"
        )
        try:
            summary = create_backup(output=Path(output), using=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"バックアップを書き出しました: {summary.path}"
            f"（{summary.models} 種類のデータ {summary.rows:,} 件、ファイル {summary.media_files} 件）"
        )
