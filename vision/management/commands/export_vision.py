from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vision.models import Vision
from vision.workbook import export_workbook


class Command(BaseCommand):
    help = (
        "ビジョン（圏域）をワークブック（.xlsx、docs/vision-workbook.md の様式）に書き出します。"
        "ビジョンが1つだけなら識別名は省略できます。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "area", nargs="?", help="ビジョンの識別名（例：shinjo-mogami-3）。1つだけなら省略可"
        )
        parser.add_argument("file", help="書き出すファイル（.xlsx）")

    def handle(self, *args, **options):
        area, path = options["area"], Path(options["file"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError(f"書き出すファイルの名前は .xlsx で終えてください（{path}）。")
        if area:
            vision = Vision.objects.filter(slug=area).first()
            if vision is None:
                raise CommandError(
                    f"識別名「{area}」のビジョンはありません。登録済み: {self._slugs()}"
                )
        else:
            visions = list(Vision.objects.all()[:2])
            if not visions:
                raise CommandError("ビジョンが登録されていません。")
            if len(visions) > 1:
                raise CommandError(
                    f"ビジョンが複数あります。識別名を指定してください: {self._slugs()}"
                )
            vision = visions[0]
        path.write_bytes(export_workbook(vision))
        self.stdout.write(f"{vision.title}（{vision.slug}）を {path} に書き出しました。")

    def _slugs(self) -> str:
        return "、".join(Vision.objects.order_by("slug").values_list("slug", flat=True)) or "なし"
