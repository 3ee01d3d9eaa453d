from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vision.workbook import WorkbookRejected, import_workbook, max_bytes


class Command(BaseCommand):
    help = (
        "ワークブック（.xlsx、docs/vision-workbook.md の様式）から新しい圏域のビジョンを登録します。"
        "全部を保存するか、何も保存しないかのどちらかです。--dry-run は何も保存せず、作られる件数と"
        "データ品質チェックの結果を表示します。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="読み込むワークブック（.xlsx）")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="確認だけ：何も保存せず、作られるデータとデータ品質チェックの結果を表示します。",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            if path.stat().st_size > max_bytes():
                raise CommandError(
                    f"ファイルが大きすぎます。{max_bytes() // 1024 // 1024} MB 以下にしてください。"
                )
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"ファイル {path} を読めません（{error.strerror}）。") from None
        try:
            result = import_workbook(data, dry_run=options["dry_run"])
        except WorkbookRejected as rejected:
            lines = "\n".join(f"  {message}" for message in rejected.messages)
            raise CommandError(
                f"ワークブック {path.name} は取り込めません。何も保存していません。\n{lines}"
            ) from None
        self.stdout.write(f"{result.title}（識別名 {result.slug}、{result.area_name}）")
        heading = (
            "作られるデータ（--dry-run のため保存していません）"
            if not result.saved
            else ("作成したデータ")
        )
        self.stdout.write(f"{heading}: {result.created_total} 件")
        for name, count in sorted(result.created.items()):
            self.stdout.write(f"  {name}: {count}")
        for name, count in sorted(result.reused.items()):
            self.stdout.write(f"  登録済みのものを使用 {name}: {count}")
        if result.becomes_current:
            self.stdout.write(
                self.style.WARNING(
                    "注意: 公開ページに表示されるビジョン（次数がいちばん大きいもの）がこのビジョンに替わります。"
                )
            )
        self.stdout.write(
            f"データ品質チェック: エラー {len(result.errors)} 件、注意 {len(result.notices)} 件"
        )
        for finding in result.findings:
            self.stdout.write(f"  {finding}")
        if result.saved:
            self.stdout.write(self.style.SUCCESS("保存しました。"))
        else:
            self.stdout.write("--dry-run のため、何も保存していません。")
