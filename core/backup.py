"""Backup and restore of a whole installation: the database and the uploaded files.

One archive (tar, gzip-compressed) holds:

- ``manifest.json``: format and version, when and from which database engine,
  the applied migrations, the number of rows of every model, and a SHA-256 of
  every other member;
- ``database.json``: every row of every model in Django's JSON fixture format
  (what ``dumpdata --all --natural-foreign`` writes, but with datetimes to the
  microsecond, which dumpdata cuts to milliseconds), written inside one
  read-only transaction so that it is one consistent state (REPEATABLE READ on
  PostgreSQL); ``loaddata`` reads it back;
- ``media/…``: the uploaded files under MEDIA_ROOT.

A restore goes only into an empty database that has been migrated to the same
migrations as the backup; it loads everything in one transaction and checks the
row count of every model against the manifest before committing. Because the
dump is Django's own format, a backup taken on SQLite restores into PostgreSQL
and the other way round.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "mogami-vision-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "database.json"
MEDIA_PREFIX = "media/"

# Not backed up: rebuilt by `migrate` (content types, permissions) or short-lived (sessions).
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]
# Rows that data migrations write into a freshly migrated database; a restore
# replaces them with the backup's rows (which may have been edited since).
FILLED_BY_MIGRATIONS = {"kpis.gradelevel", "evaluations.evaluationrating"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator, in Japanese."""


@dataclass(frozen=True)
class Summary:
    path: Path
    rows: int
    models: int
    media_files: int


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _backed_up_models():
    """Every concrete model whose rows a backup holds, as (label, model)."""
    excluded_apps = {e for e in EXCLUDED if "." not in e}
    excluded_models = {e for e in EXCLUDED if "." in e}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        if meta.app_label in excluded_apps or meta.label_lower in excluded_models:
            continue
        yield meta.label_lower, model


class _ExactEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts datetimes and times to milliseconds; a backup keeps them whole."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _dump(models, using: str, stream) -> None:
    """Every row of ``models`` as a Django JSON fixture, in an order loaddata can follow."""
    ordered = serializers.sort_dependencies(
        [(apps.get_app_config(model._meta.app_label), [model]) for _, model in models],
        allow_cycles=True,
    )

    def rows():
        for model in ordered:
            yield from model._base_manager.using(using).order_by(model._meta.pk.name).iterator()

    serializers.serialize(
        "json", rows(), stream=stream, use_natural_foreign_keys=True, cls=_ExactEncoder
    )


def _applied_migrations(using: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _media_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    files = []
    for dirpath, _dirnames, filenames in os.walk(root):  # symlinks are not followed
        for filename in filenames:
            path = Path(dirpath) / filename
            if path.is_file() and not path.is_symlink():
                files.append((path.relative_to(root).as_posix(), path))
    return sorted(files)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def create_backup(*, output: Path, using: str = DEFAULT_DB_ALIAS) -> Summary:
    """Write the archive to ``output`` (atomically: a finished file or none)."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    models = list(_backed_up_models())

    with tempfile.TemporaryDirectory(prefix="mogami-backup-") as tmp:
        dump = Path(tmp) / DATABASE
        nested = connection.in_atomic_block
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql" and not nested:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            counts = {label: model._base_manager.using(using).count() for label, model in models}
            with open(dump, "w", encoding="utf-8") as stream:
                _dump(models, using, stream)
            migrations = _applied_migrations(using)
            media = [(name, path.read_bytes()) for name, path in _media_files()]

        database = dump.read_bytes()
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.localtime().isoformat(),
            "database_vendor": connection.vendor,
            "migrations": migrations,
            "counts": counts,
            "files": {
                DATABASE: _sha256(database),
                **{MEDIA_PREFIX + name: _sha256(data) for name, data in media},
            },
        }

    # Written next to its final name and renamed: a crash leaves no half archive there.
    partial = output.with_name(f".{output.name}.partial-{os.getpid()}")
    try:
        # Mode 0600 from the start: it holds password hashes and unpublished figures.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            _add_bytes(
                archive, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            )
            _add_bytes(archive, DATABASE, database)
            for name, data in media:
                _add_bytes(archive, MEDIA_PREFIX + name, data)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)

    return Summary(output, sum(counts.values()), len(counts), len(media))


# --- restore -------------------------------------------------------------------


def _safe_media_name(name: str) -> str | None:
    """The path under MEDIA_ROOT for an archive member, or None if it may not be written."""
    if not name.startswith(MEDIA_PREFIX):
        return None
    relative = PurePosixPath(name[len(MEDIA_PREFIX) :])
    parts = relative.parts
    if not parts or relative.is_absolute() or ".." in parts or "\\" in name or "\x00" in name:
        return None
    return relative.as_posix()


def read_archive(path: Path) -> tuple[dict, bytes, dict[str, bytes]]:
    """Open and check an archive: (manifest, database dump, media files by relative path)."""
    try:
        archive = tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"バックアップファイルを開けません: {path} ({error})") from None
    members: dict[str, bytes] = {}
    with archive:
        for member in archive.getmembers():
            if not member.isreg():
                raise BackupError(
                    f"バックアップに通常のファイル以外が含まれています: {member.name!r}"
                )
            if member.name in members:
                raise BackupError(
                    f"バックアップに同じ名前のファイルが二つあります: {member.name!r}"
                )
            if member.name not in (MANIFEST, DATABASE) and _safe_media_name(member.name) is None:
                raise BackupError(f"バックアップに不正なファイル名があります: {member.name!r}")
            members[member.name] = archive.extractfile(member).read()

    try:
        manifest = json.loads(members[MANIFEST])
    except (KeyError, ValueError):
        raise BackupError(
            "manifest.json がないか読めません。このシステムのバックアップではありません。"
        ) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            "このシステムのバックアップではありません（manifest.json の format が違います）。"
        )
    if manifest.get("version") != VERSION:
        raise BackupError(f"バックアップの形式 {manifest.get('version')!r} には対応していません。")

    expected = manifest.get("files", {})
    if set(expected) != set(members) - {MANIFEST}:
        raise BackupError(
            "バックアップの中身が manifest.json の一覧と一致しません（欠けたファイルがあります）。"
        )
    for name, digest in expected.items():
        if _sha256(members[name]) != digest:
            raise BackupError(f"バックアップが壊れています: {name} のチェックサムが一致しません。")

    media = {
        _safe_media_name(name): data
        for name, data in members.items()
        if name.startswith(MEDIA_PREFIX)
    }
    return manifest, members[DATABASE], media


def _occupied(using: str) -> list[str]:
    found = []
    for label, model in _backed_up_models():
        if label in FILLED_BY_MIGRATIONS:
            continue
        count = model._base_manager.using(using).count()
        if count:
            found.append(f"{model._meta.verbose_name}（{label}）{count} 件")
    return found


def _clear(using: str, labels) -> None:
    """Delete the rows that data migrations wrote (nothing else is there: checked before)."""
    for label in sorted(labels):
        apps.get_model(label)._base_manager.using(using).all().delete()


def restore_backup(
    *, archive: Path, using: str = DEFAULT_DB_ALIAS, check_only: bool = False
) -> Summary:
    """Load an archive into the empty, migrated database ``using`` (or only check it)."""
    manifest, database, media = read_archive(Path(archive))
    counts = manifest.get("counts", {})
    if check_only:
        return Summary(Path(archive), sum(counts.values()), len(counts), len(media))

    applied = _applied_migrations(using)
    if applied != manifest.get("migrations"):
        missing = sorted(
            f"{app}.{name}"
            for app, names in manifest.get("migrations", {}).items()
            for name in names
            if name not in applied.get(app, [])
        )
        extra = sorted(
            f"{app}.{name}"
            for app, names in applied.items()
            for name in names
            if name not in manifest.get("migrations", {}).get(app, [])
        )
        raise BackupError(
            "復元先のデータベースの migration がバックアップと一致しません。"
            "バックアップを取ったときと同じ版のプログラムで `manage.py migrate` を実行してから復元してください。"
            f" 未適用: {', '.join(missing) or 'なし'} / バックアップにないもの: {', '.join(extra) or 'なし'}"
        )

    occupied = _occupied(using)
    if occupied:
        raise BackupError(
            "復元先のデータベースは空ではないため、復元しません（上書きはしません）。"
            "新しいデータベースを作り `manage.py migrate` だけを実行してから復元してください。"
            " 見つかったデータ: " + "、".join(occupied[:10]) + ("…" if len(occupied) > 10 else "")
        )

    media_root = Path(settings.MEDIA_ROOT)
    clashes = [name for name in media if (media_root / name).exists()]
    if clashes:
        raise BackupError(
            f"MEDIA_ROOT（{media_root}）に同じ名前のファイルが既にあるため、復元しません: "
            + "、".join(clashes[:10])
        )

    with tempfile.TemporaryDirectory(prefix="mogami-restore-") as tmp:
        dump = Path(tmp) / DATABASE
        dump.write_bytes(database)
        staged = []
        if media:
            media_root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root))
            for name, data in media.items():
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                staged.append((target, media_root / name))
        try:
            with transaction.atomic(using=using):
                _clear(using, FILLED_BY_MIGRATIONS & set(counts))
                call_command("loaddata", str(dump), database=using, verbosity=0)
                wrong = [
                    f"{label}: {model._base_manager.using(using).count()} 件（バックアップ {counts.get(label, 0)} 件）"
                    for label, model in _backed_up_models()
                    if model._base_manager.using(using).count() != counts.get(label, 0)
                ]
                if wrong:
                    raise BackupError(
                        "復元後の件数がバックアップと一致しないため、取り消しました: "
                        + "、".join(wrong)
                    )
            for source, target in staged:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
        finally:
            if media:
                shutil.rmtree(staging, ignore_errors=True)

    return Summary(Path(archive), sum(counts.values()), len(counts), len(media))
