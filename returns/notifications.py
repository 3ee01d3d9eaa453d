"""E-mails of the reporting workflow, in Japanese.

- a town submits → the secretariat;
- the secretariat returns figures → the town's officers, with each reason (and the
  figures approved in the same decision);
- the secretariat approves figures (review page or admin action), none returned →
  the town's officers;
- before a year's deadline → officers whose return is incomplete
  (``manage.py send_deadline_reminders``).

Each recipient gets their own message (no one sees the other addresses).
Users without an e-mail address are skipped. The backend comes from settings
(console in development, SMTP from the environment in production); tests use
Django's locmem backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse

from core.japanese import fiscal_year_label
from core.models import FigureStatus
from municipalities import roles
from returns import permissions
from returns.annual import LINE_STATES, build_return, shown_value
from vision.models import ReportingYear

SUBJECT_PREFIX = "【共生ビジョン】"
FOOTER = (
    "\n\n--\n新庄最上定住自立圏 共生ビジョン 進捗管理システム\n"
    "このメールはシステムから自動で送信しています。ご不明な点は事務局（新庄市）にお問い合わせください。\n"
)


def absolute_url(path: str, request=None, base_url: str = "") -> str:
    if request is not None:
        return request.build_absolute_uri(path)
    base = base_url or getattr(settings, "SITE_URL", "")
    return f"{base.rstrip('/')}{path}" if base else path


def return_url(annual_return) -> str:
    return reverse("returns:return", args=[annual_return.fiscal_year, annual_return.code])


def _send(recipients: Iterable, subject: str, body: str) -> int:
    addresses = sorted({u.email for u in recipients if u.email})
    if not addresses:
        return 0
    connection = get_connection()
    messages = [
        EmailMessage(SUBJECT_PREFIX + subject, body + FOOTER, settings.DEFAULT_FROM_EMAIL, [a])
        for a in addresses
    ]
    return connection.send_messages(messages) or 0


def _value(line) -> str:
    if line.is_withdrawal:
        return "値なし（取り下げの提案）"
    return f"{shown_value(line.value)} {line.unit}".rstrip()  # a 取組状況: its beginning


def return_submitted(*, annual_return, lines, submitted_by, request=None) -> int:
    year = fiscal_year_label(annual_return.fiscal_year)
    listing = "\n".join(f"・{line.label}: {_value(line)}" for line in lines)
    flagged = [line for line in lines if line.comment.strip()]
    notes = ""
    if flagged:
        notes = "\n\n担当者のコメントがある値:\n" + "\n".join(
            f"・{line.label}: {line.comment.strip()}" for line in flagged
        )
    body = (
        f"事務局ご担当者様\n\n{annual_return.name}の {submitted_by.username} さんが、"
        f"{year}の年度報告の値を {len(lines)} 件提出しました。\n\n{listing}{notes}\n\n"
        "内容を確認して、承認または差戻しをしてください。\n"
        f"確認・承認: {absolute_url(reverse('returns:review', args=[annual_return.fiscal_year, annual_return.code]), request)}"
    )
    return _send(
        roles.secretariat_users(),
        f"{annual_return.name}が{year}の値を提出しました（{len(lines)}件）",
        body,
    )


def _approved_listing(lines) -> str:
    return "\n".join(f"・{line.label}: {_value(line)}" for line in lines)


def figures_returned(*, annual_return, lines, approved=(), request=None) -> int:
    """The returned figures with their reasons; the figures approved in the same decision
    follow, so that one decision makes one mail."""
    year = fiscal_year_label(annual_return.fiscal_year)
    listing = "\n\n".join(
        f"・{line.label}: {_value(line)}\n  差戻しの理由: {line.figure.return_reason}"
        for line in lines
    )
    also = ""
    if approved:
        also = (
            f"\n\nあわせて、次の {len(approved)} 件を承認しました（公開されます）。\n"
            f"{_approved_listing(approved)}"
        )
    body = (
        f"{annual_return.name} ご担当者様\n\n事務局（新庄市）が、{year}の年度報告の値を "
        f"{len(lines)} 件差し戻しました。理由を確認し、修正してもう一度提出してください。\n\n"
        f"{listing}{also}\n\n年度報告: {absolute_url(return_url(annual_return), request)}"
    )
    return _send(
        roles.officers_of(annual_return.reporter),
        f"{year}の値が差し戻されました（{annual_return.name}・{len(lines)}件）",
        body,
    )


def figures_approved(*, annual_return, lines, request=None) -> int:
    year = fiscal_year_label(annual_return.fiscal_year)
    body = (
        f"{annual_return.name} ご担当者様\n\n事務局（新庄市）が、{year}の年度報告の値を "
        f"{len(lines)} 件承認しました。承認した値は公開ページとオープンデータに載ります。\n\n"
        f"{_approved_listing(lines)}\n\n年度報告: {absolute_url(return_url(annual_return), request)}"
    )
    return _send(
        roles.officers_of(annual_return.reporter),
        f"{year}の値が承認されました（{annual_return.name}・{len(lines)}件）",
        body,
    )


def figures_approved_in_admin(*, figures, request=None) -> int:
    """The approval mail for figures approved with the admin's action: one mail per town
    and year, listing them as the annual return names them. The area figures the secretariat
    enters (no reporting town) and figures of a year not opened for reporting tell nobody."""
    groups: dict[tuple, list] = {}
    towns = {}
    for figure in figures:
        town = permissions.figure_reporter(figure)
        if town is not None:
            towns[town.pk] = town
            groups.setdefault((town.pk, figure.fiscal_year), []).append(figure)
    sent = 0
    for (town_pk, fiscal_year), group in groups.items():
        approved = {(type(f), f.pk) for f in group}
        municipality = towns[town_pk]
        for reporting_year in ReportingYear.objects.filter(
            fiscal_year=fiscal_year, vision__municipalities=municipality
        ).select_related("vision"):
            annual_return = build_return(
                vision=reporting_year.vision, reporting_year=reporting_year, reporter=municipality
            )
            lines = [
                line
                for line in annual_return.all_lines
                if line.figure is not None and (type(line.figure), line.figure.pk) in approved
            ]
            if lines:
                sent += figures_approved(annual_return=annual_return, lines=lines, request=request)
    return sent


def deadline_reminder(*, annual_return, deadline: date, base_url: str = "") -> int:
    year = fiscal_year_label(annual_return.fiscal_year)
    counts = annual_return.counts()
    missing = annual_return.due - annual_return.reported
    states = "、".join(
        f"{label} {counts[state]}件" for state, label in LINE_STATES if counts[state]
    )
    activities = sum(
        1
        for line in annual_return.activities
        if line.state not in (FigureStatus.SUBMITTED, FigureStatus.APPROVED)
    )
    written = (
        f"\nこのうち {activities} 件は連携事業ごとの取組状況です（年度報告の画面で書きます）。"
        if activities
        else ""
    )
    body = (
        f"{annual_return.name} ご担当者様\n\n{year}の年度報告の提出期限は "
        f"{deadline.year}年{deadline.month}月{deadline.day}日です。\n"
        f"報告する {annual_return.due} 件のうち、まだ提出されていない値が {missing} 件あります"
        f"（{states}）。{written}\n\n期限までに入力・提出をお願いします。\n"
        f"年度報告: {absolute_url(return_url(annual_return), base_url=base_url)}"
    )
    return _send(
        roles.officers_of(annual_return.reporter),
        f"{year}の年度報告の提出期限が近づいています（{annual_return.name}）",
        body,
    )
