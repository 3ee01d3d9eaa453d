from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "manage.py backup のアーカイブを、migrate しただけの空のデータベースに復元します。"
        "データのあるデータベースには復元しません（上書きはしません）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="manage.py backup が書き出したファイル")
        parser.add_argument(
            "--check",
            action="store_true",
            help="アーカイブを検査するだけで、データベースには何もしない",
        )
        parser.add_argument("--database", default="default", help="データベースの別名")

    def handle(self, *args, **options):
        try:
            summary = restore_backup(
                archive=Path(options["archive"]),
                using=options["database"],
                check_only=options["check"],
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        done = "検査しました（問題なし）" if options["check"] else "復元しました"
        self.stdout.write(
            f"{done}: {summary.path}"
            f"（{summary.models} 種類のデータ {summary.rows:,} 件、ファイル {summary.media_files} 件）"
        )
