"""Evidence files: accepted by their content (PDF, JPEG, PNG), refused otherwise with a
Japanese message and nothing left behind; served as a download that is never run."""

import pytest
from django.urls import reverse

from evaluations import evidence as evidence_module
from evaluations.evidence import EvidenceRejected, checked_upload, display_name
from evaluations.models import Evidence
from tests.evaluations.helpers import (
    PDF,
    filled,
    image_bytes,
    jpeg_with_header,
    png_with_header,
    upload,
    url,
)

pytestmark = pytest.mark.django_db

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


@pytest.fixture
def sheet(secretariat, reporting_year):
    return filled(secretariat)


@pytest.fixture
def as_secretariat(client, secretariat):
    client.force_login(secretariat)
    return client


def stored_files(media) -> list:
    return sorted(p.name for p in media.rglob("*") if p.is_file()) if media.exists() else []


def post(client, file, title="実施報告書", **extra):
    return client.post(url("upload"), {"title": title, "file": file, **extra})


def assert_refused(client, media, file, message):
    """Refused (400) with ``message`` on the page; no Evidence row, no stored file."""
    response = post(client, file)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


# --- accepted -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, kind, extension",
    [
        ("報告書.pdf", PDF, "application/pdf", ".pdf"),
        ("写真.png", image_bytes("PNG"), "image/png", ".png"),
        ("写真.jpg", image_bytes("JPEG"), "image/jpeg", ".jpg"),
    ],
)
def test_a_real_file_is_accepted_and_stored_under_a_name_the_app_chooses(
    as_secretariat, sheet, media, name, content, kind, extension
):
    response = post(as_secretariat, upload(name, content, "application/octet-stream"))
    assert response.status_code == 302
    stored = Evidence.objects.get()
    assert (stored.content_type, stored.size, stored.original_name) == (kind, len(content), name)
    assert stored.file.name == f"evidence/{stored.token}{extension}"
    assert stored_files(media) == [f"{stored.token}{extension}"]


def test_the_type_comes_from_the_content_not_the_name(as_secretariat, sheet, media):
    post(as_secretariat, upload("photo.pdf", image_bytes("PNG"), "application/pdf"))
    assert Evidence.objects.get().content_type == "image/png"


def test_the_public_mark_is_kept(as_secretariat, sheet, media):
    post(as_secretariat, upload("a.pdf", PDF), is_public="on")
    assert Evidence.objects.get().is_public


def test_the_uploaders_name_is_display_text_only():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\担当\\報告書.pdf") == "報告書.pdf"
    assert display_name("a\x00b\r\n.pdf") == "ab.pdf"
    long = display_name("あ" * 300 + ".pdf")
    assert len(long) == evidence_module.MAX_NAME_LENGTH and long.endswith(".pdf")


# --- refused ---------------------------------------------------------------------------------------


def test_html_named_pdf_is_refused(as_secretariat, sheet, media):
    assert_refused(
        as_secretariat, media, upload("報告書.pdf", HTML, "application/pdf"),
        "登録できるのは PDF・JPEG・PNG のファイルだけです",
    )  # fmt: skip


def test_an_svg_is_refused(as_secretariat, sheet, media):
    assert_refused(
        as_secretariat, media, upload("図.svg", SVG, "image/svg+xml"),
        "登録できるのは PDF・JPEG・PNG のファイルだけです",
    )  # fmt: skip


def test_an_svg_named_png_is_refused(as_secretariat, sheet, media):
    assert_refused(
        as_secretariat, media, upload("図.png", SVG, "image/png"),
        "登録できるのは PDF・JPEG・PNG のファイルだけです",
    )  # fmt: skip


def test_an_oversized_file_is_refused(as_secretariat, sheet, media, monkeypatch):
    monkeypatch.setattr(evidence_module, "EVIDENCE_MAX_BYTES", 1024)
    assert_refused(
        as_secretariat, media, upload("大きい.pdf", PDF + b"0" * 2000),
        "ファイルが大きすぎます。1 KB 以下のファイルにしてください。",
    )  # fmt: skip


def test_the_limit_is_ten_megabytes_or_the_sites_upload_limit(settings):
    settings.MAX_UPLOAD_BYTES = 50 * 1024 * 1024
    assert evidence_module.max_bytes() == 10 * 1024 * 1024
    settings.MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    assert evidence_module.max_bytes() == 5 * 1024 * 1024


def test_a_file_over_the_limit_is_refused_before_it_is_read(settings):
    settings.MAX_UPLOAD_BYTES = 50 * 1024 * 1024
    big = upload("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(EvidenceRejected, match="10 MB 以下"):
        checked_upload(big)


@pytest.mark.parametrize(
    "content",
    [
        png_with_header(30_000, 30_000),  # 900 megapixels: Pillow's own bomb limit
        png_with_header(25_000, 10),  # one side too long
        png_with_header(10_000, 6_000),  # 60 megapixels
        jpeg_with_header(25_000, 8),
    ],
    ids=["png-bomb", "png-wide", "png-megapixels", "jpeg-wide"],
)
def test_an_image_claiming_huge_dimensions_is_refused(as_secretariat, sheet, media, content):
    assert_refused(
        as_secretariat, media, upload("写真.png", content, "image/png"),
        "画像の大きさ（画素数）が大きすぎます",
    )  # fmt: skip


def test_a_broken_png_is_refused(as_secretariat, sheet, media):
    content = image_bytes("PNG")[:40]
    assert_refused(
        as_secretariat, media, upload("写真.png", content, "image/png"),
        "画像として読み取れませんでした",
    )  # fmt: skip


def test_an_empty_file_is_refused(as_secretariat, sheet, media):
    response = post(as_secretariat, upload("空.pdf", b""))
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_a_missing_title_is_refused_and_nothing_is_stored(as_secretariat, sheet, media):
    response = post(as_secretariat, upload("a.pdf", PDF), title="")
    assert response.status_code == 400
    assert "資料の説明を書いてください" in response.content.decode()
    assert stored_files(media) == []


def test_a_locked_year_refuses_the_file_and_stores_nothing(
    as_secretariat, sheet, media, reporting_year
):
    reporting_year.is_locked = True
    reporting_year.save()
    assert_refused(as_secretariat, media, upload("a.pdf", PDF), "この年度は締められています")


def test_a_sheet_that_does_not_exist_takes_no_file(as_secretariat, reporting_year, media):
    assert post(as_secretariat, upload("a.pdf", PDF)).status_code == 404
    assert stored_files(media) == []


# --- served ---------------------------------------------------------------------------------------


def test_the_download_is_an_attachment_that_is_never_sniffed_or_run(as_secretariat, sheet, media):
    post(as_secretariat, upload("令和7年度 報告書.pdf", PDF))
    stored = Evidence.objects.get()
    response = as_secretariat.get(reverse("evaluations:evidence", args=[stored.token]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="evidence-{stored.token}.pdf"')
    assert "filename*=UTF-8''%E4%BB%A4%E5%92%8C7%E5%B9%B4%E5%BA%A6%20%E5%A0%B1%E5%91%8A%E6%9B%B8.pdf" in disposition  # fmt: skip
    assert "private" in response["Cache-Control"]


def test_the_download_uses_the_checked_type_and_its_extension(as_secretariat, sheet, media):
    post(as_secretariat, upload("写真;.html", image_bytes("PNG"), "text/html"))
    stored = Evidence.objects.get()
    assert stored.original_name == "写真;.html"
    response = as_secretariat.get(reverse("evaluations:evidence", args=[stored.token]))
    assert response["Content-Type"] == "image/png"
    disposition = response["Content-Disposition"]
    assert disposition.endswith("filename*=UTF-8''%E5%86%99%E7%9C%9F.png")
    assert ".html" not in disposition


def test_an_unknown_token_is_not_found(as_secretariat, reporting_year):
    assert as_secretariat.get(reverse("evaluations:evidence", args=["0" * 32])).status_code == 404


def test_a_missing_file_is_not_found(as_secretariat, sheet, media):
    post(as_secretariat, upload("a.pdf", PDF))
    stored = Evidence.objects.get()
    stored.file.delete(save=False)
    response = as_secretariat.get(reverse("evaluations:evidence", args=[stored.token]))
    assert response.status_code == 404


def test_a_pdf_carrying_javascript_is_only_ever_a_sandboxed_download(as_secretariat, sheet, media):
    content = PDF.replace(b"<</Type /Catalog>>", b"<</Type /Catalog /OpenAction <</S /JavaScript /JS (app.alert(1))>>>>")  # fmt: skip
    post(as_secretariat, upload("script.pdf", content))
    stored = Evidence.objects.get()
    response = as_secretariat.get(reverse("evaluations:evidence", args=[stored.token]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert "sandbox" in response["Content-Security-Policy"]
