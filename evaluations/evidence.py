"""Evidence files (根拠資料): what an upload must be, and how a stored file is served.

- ``checked_upload``: the type is decided by the file's first bytes (PDF ``%PDF-``, JPEG
  ``FF D8 FF``, PNG's eight-byte signature), never by its name or the browser's content
  type; anything else (SVG, HTML, Office files…) is refused. Images are opened with
  Pillow, which must agree with the signature, and refused above ``MAX_IMAGE_SIDE`` pixels
  on a side or ``MAX_IMAGE_PIXELS`` in all (a "decompression bomb" is a small file that
  claims huge dimensions). The uploader's file name is kept only as display text; the
  file is stored as ``evidence/<token>.<ext>``, a name the app chooses
  (``evaluations.models.evidence_path``).
- ``evidence_response``: always a download (``Content-Disposition: attachment``), with the
  content type stored when it was checked (never sniffed again), ``nosniff`` and a
  sandboxing Content-Security-Policy, so that a PDF carrying JavaScript or a file that
  some browser might read as HTML is never run in the site's origin.

Views call ``checked_upload`` before ``services.add_evidence`` and ``discard`` when that
is refused; the public download view calls ``evidence_response`` after checking that the
sheet is approved and the file is public and part of its approved content.
"""

from __future__ import annotations

import io
import secrets
import unicodedata
import warnings
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse
from PIL import Image, UnidentifiedImageError

from evaluations.models import Evidence, evidence_path

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024  # 10 MB per file (and never more than MAX_UPLOAD_MB)
MAX_IMAGE_SIDE = 20_000  # pixels on either side
MAX_IMAGE_PIXELS = 50_000_000  # 50 megapixels
MAX_NAME_LENGTH = 100  # characters of the uploader's file name kept for display

SIGNATURES = [
    (b"%PDF-", Evidence.Kind.PDF),
    (b"\xff\xd8\xff", Evidence.Kind.JPEG),
    (b"\x89PNG\r\n\x1a\n", Evidence.Kind.PNG),
]
PILLOW_FORMATS = {Evidence.Kind.JPEG: "JPEG", Evidence.Kind.PNG: "PNG"}


class EvidenceRejected(ValidationError):
    """The file was not accepted; the message says why, in Japanese. Nothing was stored."""


def max_bytes() -> int:
    """The largest file accepted: 10 MB, or less when the site's upload limit is lower
    (a larger request is refused with 413 before it reaches a view)."""
    return min(EVIDENCE_MAX_BYTES, settings.MAX_UPLOAD_BYTES)


def kind_of(head: bytes) -> str | None:
    """The evidence type the first bytes say, or None."""
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def display_name(name: str) -> str:
    """The uploader's file name as display text: no folders, no control characters,
    at most ``MAX_NAME_LENGTH`` characters (the end, with the extension, is kept)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C")).strip()
    if len(name) > MAX_NAME_LENGTH:
        name = "…" + name[-(MAX_NAME_LENGTH - 1) :]
    return name or "（名前なし）"


def _read(uploaded_file) -> bytes:
    size = getattr(uploaded_file, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        raise _too_large(limit)
    uploaded_file.seek(0)
    content = uploaded_file.read(limit + 1)
    if len(content) > limit:
        raise _too_large(limit)
    return content


def size_label(size: int) -> str:
    """10 MB, 512 KB: how the limit is written in messages."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:g} MB"
    return f"{max(size // 1024, 1)} KB"


def _too_large(limit: int) -> EvidenceRejected:
    return EvidenceRejected(
        f"ファイルが大きすぎます。{size_label(limit)} 以下のファイルにしてください。",
        code="too_large",
    )


def _check_image(content: bytes, kind: str) -> None:
    refused = EvidenceRejected(
        "画像として読み取れませんでした。壊れていないか確かめてください。", code="bad_image"
    )
    too_big = EvidenceRejected(
        f"画像の大きさ（画素数）が大きすぎます。一辺 {MAX_IMAGE_SIDE:,} 画素以下、全体で "
        f"{MAX_IMAGE_PIXELS // 1_000_000:,} 百万画素以下にしてください。",
        code="too_many_pixels",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[PILLOW_FORMATS[kind]]) as image:
                # Image.open reads the header only: the size is known before any decoding.
                width, height = image.size
                if image.format != PILLOW_FORMATS[kind]:
                    raise refused
                if (
                    width > MAX_IMAGE_SIDE
                    or height > MAX_IMAGE_SIDE
                    or width * height > MAX_IMAGE_PIXELS
                ):
                    raise too_big
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_big from None
    except EvidenceRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise refused from None
    if width < 1 or height < 1:
        raise refused


def checked_upload(uploaded_file) -> dict:
    """The fields of an ``Evidence`` for an accepted file; ``EvidenceRejected`` otherwise.

    Returns ``token``, ``original_name`` (display text only), ``content_type`` (from the
    content), ``size`` and ``file`` (the bytes, to be stored under ``evidence/<token>.<ext>``).
    """
    if uploaded_file is None:
        raise EvidenceRejected("ファイルを選んでください。", code="missing")
    content = _read(uploaded_file)
    if not content:
        raise EvidenceRejected("ファイルが空です。", code="empty")
    kind = kind_of(content[:8])
    if kind is None:
        raise EvidenceRejected(
            "登録できるのは PDF・JPEG・PNG のファイルだけです（ファイルの中身で判定します。"
            "名前を .pdf などに変えても登録できません）。",
            code="bad_type",
        )
    if kind in PILLOW_FORMATS:
        _check_image(content, kind)
    token = secrets.token_hex(16)
    return {
        "token": token,
        "original_name": display_name(getattr(uploaded_file, "name", "")),
        "content_type": str(kind),
        "size": len(content),
        "file": ContentFile(content, name=f"{token}{Evidence.EXTENSIONS[kind]}"),
    }


def stored_name(upload: dict) -> str:
    """Where ``upload`` is (or would be) stored."""
    return evidence_path(Evidence(**{k: upload[k] for k in ("token", "content_type")}), "")


def discard(upload: dict) -> None:
    """Remove the stored file of an upload whose Evidence row was not saved."""
    name = stored_name(upload)
    if default_storage.exists(name):
        default_storage.delete(name)


def download_name(evidence: Evidence) -> str:
    """The uploader's name (without its extension) with the extension of the stored type."""
    stem = evidence.original_name.rsplit(".", 1)[0] if "." in evidence.original_name else ""
    stem = "".join(c for c in stem if c not in '"\\/:*?<>|;' and c.isprintable()).strip()
    return f"{stem or evidence.token}{evidence.extension}"


def evidence_response(evidence: Evidence) -> FileResponse:
    """The stored file as a download: never shown inline, never sniffed, never run."""
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
    ascii_name = f"evidence-{evidence.token}{evidence.extension}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''"
        f"{quote(download_name(evidence), safe='')}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
