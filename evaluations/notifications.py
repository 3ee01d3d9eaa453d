"""E-mails of the yearly evaluation, in Japanese (``manage.py send_evaluation_reminders``).

- to the secretariat: the sheets of a year not yet approved, and the KPIs that still lack
  their 要因分析 and 改善策;
- to the officers of each participating town: the programs whose 取組状況 the town has
  not written yet (or written and not yet submitted).

Each recipient gets their own message; users without an e-mail address are skipped. The
sending helpers mirror ``returns.notifications`` (``_send``, ``absolute_url``, the subject
prefix and footer), which sits above this app and cannot be imported from here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse

from core.japanese import fiscal_year_label
from core.models import FigureStatus
from municipalities import roles

SUBJECT_PREFIX = "【共生ビジョン】"
FOOTER = (
    "\n\n--\n新庄最上定住自立圏 共生ビジョン 進捗管理システム\n"
    "このメールはシステムから自動で送信しています。ご不明な点は事務局（新庄市）にお問い合わせください。\n"
)


def absolute_url(path: str, base_url: str = "") -> str:
    base = base_url or getattr(settings, "SITE_URL", "")
    return f"{base.rstrip('/')}{path}" if base else path


def send(recipients: Iterable, subject: str, body: str) -> int:
    addresses = sorted({u.email for u in recipients if u.email})
    if not addresses:
        return 0
    messages = [
        EmailMessage(SUBJECT_PREFIX + subject, body + FOOTER, settings.DEFAULT_FROM_EMAIL, [a])
        for a in addresses
    ]
    return get_connection().send_messages(messages) or 0


def secretariat_reminder(*, fiscal_year: int, rows, base_url: str = "") -> int:
    """``rows``: the year's ``views.ProgramRow``s. Nothing is sent when every sheet is
    approved and no KPI lacks its analysis."""
    year = fiscal_year_label(fiscal_year)
    pending = [row for row in rows if not row.is_approved]
    lacking = [row for row in rows if row.missing_kpis]
    if not pending and not lacking:
        return 0
    parts = []
    if pending:
        listing = "\n".join(
            f"・{row.program.name}: {row.state_label}"
            + (
                "（前年度から複写・未編集）"
                if row.evaluation and row.evaluation.is_copied_unedited
                else ""
            )
            for row in pending
        )
        parts.append(f"まだ承認されていない評価シート（{len(pending)}件）:\n{listing}")
    if lacking:
        listing = "\n".join(
            f"・{row.program.name}: "
            + "、".join(f"{item.kpi.name}（{item.reason}）" for item in row.missing_kpis)
            for row in lacking
        )
        parts.append(
            f"要因分析と改善策がまだ書かれていない成果指標がある事業（{len(lacking)}件）:\n{listing}"
        )
    missing_towns = sum(len(row.towns_missing) for row in rows)
    if missing_towns:
        parts.append(
            f"関係市町村の取組状況の未記入: {missing_towns}件（各市町村の担当者にも知らせています）"
        )
    url = absolute_url(reverse("evaluations:year", args=[fiscal_year]), base_url)
    body = (
        f"事務局ご担当者様\n\n{year}の事業評価の状況をお知らせします。\n\n"
        + "\n\n".join(parts)
        + f"\n\n評価の状況: {url}"
    )
    return send(
        roles.secretariat_users(),
        f"{year}の事業評価：未承認 {len(pending)}件・要因分析の不足 {len(lacking)}件",
        body,
    )


def town_reminder(*, municipality, fiscal_year: int, towns, base_url: str = "") -> int:
    """``towns``: (program, TownRow) pairs of ``municipality`` whose 取組状況 is missing,
    or written and not yet submitted."""
    if not towns:
        return 0
    year = fiscal_year_label(fiscal_year)
    listing = "\n".join(f"・{program.name}: {town.label}" for program, town in towns)
    url = absolute_url(reverse("returns:return", args=[fiscal_year, municipality.code]), base_url)
    body = (
        f"{municipality.name} ご担当者様\n\n{year}の連携事業の取組状況（その年度に{municipality.name}"
        f"が取り組んだこと）が、次の {len(towns)} 件でまだ提出されていません。\n\n{listing}\n\n"
        "年度報告の画面で取組状況を書いて、提出をお願いします。事務局が事業評価にまとめます。\n"
        f"年度報告: {url}"
    )
    return send(
        roles.officers_of(municipality),
        f"{year}の取組状況の記入のお願い（{municipality.name}・{len(towns)}件）",
        body,
    )


def waiting_towns(rows) -> dict:
    """municipality → [(program, TownRow)] whose 取組状況 is missing or not yet submitted."""
    waiting: dict = {}
    for row in rows:
        for town in row.towns:
            if town.state in (FigureStatus.SUBMITTED, FigureStatus.APPROVED):
                continue
            waiting.setdefault(town.municipality, []).append((row.program, town))
    return waiting
