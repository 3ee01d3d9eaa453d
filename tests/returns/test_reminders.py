"""manage.py send_deadline_reminders: officers with an incomplete return, before the deadline."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from returns import services
from returns.annual import Entry
from tests.constants import KANEYAMA
from tests.returns.helpers import the_return

pytestmark = pytest.mark.django_db


def remind(today: str, days: int = 7) -> str:
    out = io.StringIO()
    call_command("send_deadline_reminders", today=today, days=days, base_url="https://vision.example.jp", stdout=out)  # fmt: skip
    return out.getvalue()


def test_it_reminds_the_officers_of_an_incomplete_return(reporting_year, mail_users, mailoutbox):
    remind("2026-06-25")  # deadline 2026-06-30
    to = sorted(m.to[0] for m in mailoutbox)
    assert to == ["t-officer-kaneyama@example.invalid", "t-officer-okura@example.invalid"]
    mail = next(m for m in mailoutbox if m.to == ["t-officer-kaneyama@example.invalid"])
    assert "提出期限は 2026年6月30日です" in mail.body
    # 39 figures and 19 取組状況 (one for each program 金山町 takes part in)
    assert "報告する 58 件のうち、まだ提出されていない値が 58 件あります" in mail.body
    assert f"https://vision.example.jp/returns/2025/{KANEYAMA}/" in mail.body


def test_it_does_not_remind_too_early_or_after_the_deadline(reporting_year, mail_users, mailoutbox):
    remind("2026-06-01")
    remind("2026-07-01")
    assert mailoutbox == []


def test_it_does_not_remind_about_a_locked_year(reporting_year, mail_users, mailoutbox):
    reporting_year.is_locked = True
    reporting_year.save()
    remind("2026-06-29")
    assert mailoutbox == []


def test_a_complete_return_is_not_reminded(
    reporting_year, kaneyama, kaneyama_officer, mail_users, mailoutbox
):
    ret = the_return(reporting_year, kaneyama)
    services.save_entries(
        user=kaneyama_officer,
        annual_return=ret,
        entries=[
            *(Entry(line.key, Decimal(1)) for line in ret.lines),
            *(Entry(line.key, "取組状況") for line in ret.activities),
        ],
    )
    services.submit_return(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama)
    )
    remind("2026-06-30")
    assert [m.to for m in mailoutbox] == [["t-officer-okura@example.invalid"]]


def test_the_deadline_date_is_read_from_the_reporting_year(reporting_year):
    assert reporting_year.deadline == date(2026, 6, 30)
