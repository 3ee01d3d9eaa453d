"""Every public page (ja and en) and every error page is valid HTML for the Nu HTML Checker.

The pages are rendered by Django's test client into a temporary folder and checked in
one run of vnu (node_modules/vnu-jar, the version pinned in package-lock.json).
"""

import json
import shutil
import subprocess  # noqa: S404 - runs the pinned checker, arguments fixed below

import pytest
from django.test import Client

from tests.standards.errors import error_pages
from tests.standards.pages import public_paths
from vision.models import ReportingYear

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def vnu_errors(vnu_jar, folder) -> list[str]:
    result = subprocess.run(  # noqa: S603
        [
            shutil.which("java"),
            "-jar",
            str(vnu_jar),
            "--format",
            "json",
            "--exit-zero-always",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    messages = json.loads(result.stderr)["messages"]
    return [
        f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m.get('message')}"
        f" [{m.get('extract', '').strip()}]"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]


def file_name(path: str) -> str:
    return (path.strip("/").replace("/", "_") or "home") + ".html"


def test_every_public_page_is_valid_html(vnu_jar, yearly_cycle, tmp_path):
    report_year, revision = yearly_cycle
    client = Client()
    for path in public_paths(report_year=report_year, revision=revision):
        response = client.get(path)
        assert response.status_code == 200, path
        (tmp_path / file_name(path)).write_bytes(response.content)
    errors = vnu_errors(vnu_jar, tmp_path)
    assert not errors, "\n".join(errors)


def test_every_error_page_is_valid_html(vnu_jar, settings, tmp_path, vision, kaneyama_officer):
    settings.DEBUG = False
    ReportingYear.objects.create(vision=vision, fiscal_year=2025)
    for name, response in error_pages(settings, kaneyama_officer, 2025):
        assert response["Content-Type"].startswith("text/html"), name
        (tmp_path / f"{name}.html").write_bytes(response.content)
    errors = vnu_errors(vnu_jar, tmp_path)
    assert not errors, "\n".join(errors)
