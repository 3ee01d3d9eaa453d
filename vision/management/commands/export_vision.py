from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vision.models import Area, Vision
from vision.workbook import export_workbook


class Command(BaseCommand):
    help = (
        "圏域の現行のビジョンをワークブック（.xlsx、docs/vision-workbook.md の様式）に書き出します。"
        "圏域が1つだけなら識別名は省略できます。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "area",
            nargs="?",
            help="圏域の識別名（例：shinjo-mogami。その圏域の現行のビジョン）"
            "またはビジョンの識別名（例：shinjo-mogami-3）。圏域が1つだけなら省略可",
        )
        parser.add_argument("file", help="書き出すファイル（.xlsx）")

    def handle(self, *args, **options):
        area, path = options["area"], Path(options["file"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError(f"書き出すファイルの名前は .xlsx で終えてください（{path}）。")
        if area:
            found = Area.objects.filter(slug=area).first()
            vision = found.current_vision() if found else Vision.objects.filter(slug=area).first()
            if vision is None:
                raise CommandError(
                    f"識別名「{area}」の圏域・ビジョンはありません。登録済みの圏域: {self._slugs()}"
                )
        else:
            areas = list(Area.objects.all()[:2])
            if not Vision.objects.exists():
                raise CommandError("ビジョンが登録されていません。")
            if len(areas) > 1:
                raise CommandError(f"圏域が複数あります。識別名を指定してください: {self._slugs()}")
            vision = areas[0].current_vision()
        path.write_bytes(export_workbook(vision))
        self.stdout.write(f"{vision.title}（{vision.slug}）を {path} に書き出しました。")

    def _slugs(self) -> str:
        return "、".join(Area.objects.order_by("slug").values_list("slug", flat=True)) or "なし"
