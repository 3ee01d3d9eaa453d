"""manage.py backup and restore: nothing lost, and nothing overwritten.

The backup is taken from the test database (the vision plus some figures and an
uploaded file); the restore goes into a new database that only `migrate` has
touched, on the same engine as the test run (SQLite, or PostgreSQL under
tests/with_postgres.sh), in a separate process as an operator would run it.
"""

import io
import json
import os
import sys
import tarfile

import pytest
from django.core.management import CommandError, call_command

from core.backup import BackupError, read_archive
from core.models import FigureStatus
from kpis.models import KPI
from programs.models import CostShare, Program
from tests.constants import KANEYAMA
from tests.deploy.datasets import snapshot
from tests.deploy.servers import (
    ROOT,
    base_env,
    fresh_database,
    fresh_postgres_database,
    manage_ok,
    on_postgres,
)
from tests.factories import make_actual, make_share

UPLOAD = "imports/2025/金山町_予算.xlsx"
UPLOAD_BYTES = b"PK\x03\x04 not really a spreadsheet \x00\xff"


@pytest.fixture
def site(vision, kaneyama, secretariat, settings, tmp_path):
    """The vision with an approved budget, a draft settlement, an approved KPI actual and an upload."""
    program = Program.objects.filter(
        item__category__policy_field__vision=vision, participants=kaneyama
    ).first()
    make_share(program, KANEYAMA, 1234, kind=CostShare.Kind.BUDGET)
    make_share(program, KANEYAMA, 999, kind=CostShare.Kind.SETTLEMENT, approved=False)
    kpi = KPI.objects.filter(
        program__item__category__policy_field__vision=vision, is_sum_of_municipalities=False
    ).first()
    make_actual(kpi, "12.5", status=FigureStatus.APPROVED)
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / UPLOAD).parent.mkdir(parents=True)
    (settings.MEDIA_ROOT / UPLOAD).write_bytes(UPLOAD_BYTES)
    return vision


@pytest.fixture
def archive(site, tmp_path):
    path = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(path))
    return path


@pytest.fixture
def restored(archive, tmp_path):
    """Restore into a fresh migrated database; give back its datasets, its own backup and media."""
    media = tmp_path / "restored-media"
    with fresh_database(tmp_path, "mogami_restore") as url:
        env = base_env(DATABASE_URL=url, MEDIA_ROOT=media)
        manage_ok("migrate", "--noinput", env=env)
        manage_ok("restore", str(archive), env=env)
        datasets = json.loads(
            manage_python("tests.deploy.datasets", env=env),
        )
        again = tmp_path / "again.tar.gz"
        manage_ok("backup", "--output", str(again), env=env)
    return {"datasets": datasets, "backup": again, "media": media}


def manage_python(module, env) -> str:
    import subprocess

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def rows(path) -> list:
    _, database, _ = read_archive(path)
    return sorted(json.loads(database), key=lambda o: (o["model"], json.dumps(o["pk"])))


def test_every_open_data_dataset_is_the_same_after_a_restore(site, restored):
    before = snapshot()
    budget = before[f"{site.slug}/budget_shares.json"]
    assert any(row["amount_kyen"] == 1234 and row["kind"] == "budget" for row in budget)
    assert restored["datasets"] == before


def test_every_row_and_every_uploaded_file_comes_back(archive, restored):
    assert rows(restored["backup"]) == rows(archive)
    assert (restored["media"] / UPLOAD).read_bytes() == UPLOAD_BYTES


def test_the_backup_is_readable_only_by_its_owner(archive):
    assert oct(os.stat(archive).st_mode & 0o777) == "0o600"


@pytest.mark.postgres
def test_a_backup_taken_on_sqlite_restores_into_postgresql(deployed_site, tmp_path):
    if not on_postgres():
        pytest.skip("needs PostgreSQL: tests/with_postgres.sh .venv/bin/pytest -m postgres")
    sqlite_url, _ = deployed_site
    source = base_env(DATABASE_URL=sqlite_url, MEDIA_ROOT=tmp_path / "source-media")
    archive = tmp_path / "from-sqlite.tar.gz"
    manage_ok("backup", "--output", str(archive), env=source)
    with fresh_postgres_database("mogami_from_sqlite") as url:
        target = base_env(DATABASE_URL=url, MEDIA_ROOT=tmp_path / "target-media")
        manage_ok("migrate", "--noinput", env=target)
        manage_ok("restore", str(archive), env=target)
        after = json.loads(manage_python("tests.deploy.datasets", env=target))
    assert after == json.loads(manage_python("tests.deploy.datasets", env=source))


def test_it_will_not_restore_into_a_database_with_data(archive):
    shares = CostShare.objects.count()
    with pytest.raises(CommandError, match="空ではないため、復元しません"):
        call_command("restore", str(archive))
    assert CostShare.objects.count() == shares


# --- archives that are not what they claim ----------------------------------------


def rebuild(archive, tmp_path, *, change=None, add=None, manifest=None):
    """A copy of ``archive`` with members replaced, added, or the manifest edited."""
    with tarfile.open(archive, "r:gz") as source:
        members = {m.name: source.extractfile(m).read() for m in source.getmembers()}
    if manifest:
        data = json.loads(members["manifest.json"])
        manifest(data)
        members["manifest.json"] = json.dumps(data).encode()
    members.update(change or {})
    path = tmp_path / "rebuilt.tar.gz"
    with tarfile.open(path, "w:gz") as target:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            target.addfile(info, io.BytesIO(data))
        for info in add or []:
            target.addfile(info, io.BytesIO(b"x" * info.size) if info.isreg() else None)
    return path


def test_a_damaged_database_dump_is_refused(archive, tmp_path):
    damaged = rebuild(archive, tmp_path, change={"database.json": b"[]"})
    with pytest.raises(BackupError, match="チェックサムが一致しません"):
        read_archive(damaged)


def test_a_file_name_climbing_out_of_media_is_refused(archive, tmp_path, settings):
    # MEDIA_ROOT is tmp_path / "media": this name would land in tmp_path.
    evil = tarfile.TarInfo("media/../evil.txt")
    evil.size = 1
    with pytest.raises(CommandError, match="不正なファイル名"):
        call_command("restore", str(rebuild(archive, tmp_path, add=[evil])))
    assert not (tmp_path / "evil.txt").exists()


def test_a_link_in_the_archive_is_refused(archive, tmp_path):
    link = tarfile.TarInfo("media/passwd")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    with pytest.raises(BackupError, match="通常のファイル以外"):
        read_archive(rebuild(archive, tmp_path, add=[link]))


def test_a_backup_from_other_migrations_is_refused(archive, tmp_path):
    newer = rebuild(
        archive,
        tmp_path,
        manifest=lambda m: m["migrations"]["kpis"].append("9999_from_the_future"),
    )
    with pytest.raises(CommandError, match="migration がバックアップと一致しません"):
        call_command("restore", str(newer))
