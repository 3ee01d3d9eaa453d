"""Helpers shared by the evaluation tests: the program they use, its sheet's URLs, small
files of each kind, a sheet filled in as the secretariat would."""

import io
import struct
import zlib
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.models import FigureStatus
from evaluations import services
from evaluations.models import EvaluationRating, ProgramEvaluation
from kpis.models import KPI
from programs.models import Program
from tests.constants import HEALTH
from tests.factories import make_actual
from vision.models import ReportingYear, Vision

YEAR = 2025
HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
KPI_NAME = "年間事業開催数"  # HEALTH's only KPI: 25 (R6) → 36 (R12)


def open_year(vision: Vision, year: int = YEAR, **kwargs) -> ReportingYear:
    kwargs.setdefault("deadline", date(2026, 6, 30))
    return ReportingYear.objects.create(vision=vision, fiscal_year=year, **kwargs)


def health() -> Program:
    return Program.objects.get(name=HEALTH)


def health_kpi() -> KPI:
    return KPI.objects.get(program=health(), name=KPI_NAME)


def url(name: str, program: Program | None = None, year: int = YEAR) -> str:
    return reverse(f"evaluations:{name}", args=[year, (program or health()).pk])


def graded(actual: str, kpi: KPI | None = None, year: int = YEAR):
    """An approved actual: 27 grades HEALTH's KPI ◎ in R7, 26 △, 25 ×."""
    return make_actual(kpi or health_kpi(), actual, year=year, status=FigureStatus.APPROVED)


def rating(code: str = "A") -> EvaluationRating:
    return EvaluationRating.objects.get(code=code)


FILLED = {
    "done": "合同研修会を3回開いた。",
    "results": "開催数は目標に向けて増えた。",
    "issues": "参加者が固定している。",
    "direction": "continue",
    "direction_reason": "参加者は増えている。",
}


def started(user, program: Program | None = None, year: int = YEAR) -> ProgramEvaluation:
    return services.start_sheet(user=user, program=program or health(), fiscal_year=year)


def filled(user, program: Program | None = None, year: int = YEAR, **fields):
    """A sheet with every field written (ready to submit); no KPI analysis."""
    evaluation = started(user, program, year)
    data = {**FILLED, "rating": rating(), **fields}
    return services.save_sheet(
        user=user, evaluation=evaluation, data=data, analyses={}, expected_version=None
    )


def submitted(user, program: Program | None = None, year: int = YEAR, **fields):
    evaluation = filled(user, program, year, **fields)
    return services.submit_sheet(
        user=user, evaluation=evaluation, expected_version=evaluation.version
    )


def form_data(evaluation: ProgramEvaluation, **changes) -> dict:
    """The sheet form as the page posts it (version shown, fields, the KPI's analysis)."""
    kpi = health_kpi()
    data = {
        "version": evaluation.version,
        "done": evaluation.done,
        "results": evaluation.results,
        "issues": evaluation.issues,
        "direction": evaluation.direction,
        "direction_reason": evaluation.direction_reason,
        "rating": evaluation.rating_id or "",
        "revision": evaluation.revision_id or "",
        f"cause-{kpi.pk}": "",
        f"remedy-{kpi.pk}": "",
    }
    return {**data, **changes}


# --- files ------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def image_bytes(kind: str = "PNG", size=(4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def png_with_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def jpeg_with_header(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF header is changed to claim ``width`` × ``height``."""
    data = bytearray(image_bytes("JPEG", (8, 8)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)
