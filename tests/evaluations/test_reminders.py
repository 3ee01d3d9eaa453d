"""manage.py send_evaluation_reminders: the secretariat hears what is not approved and which
KPIs lack an analysis; each participating town's officers hear which 取組状況 are missing."""

import io

import pytest
from django.core.management import CommandError, call_command

from core.models import FigureStatus
from evaluations import services
from evaluations.models import ProgramEvaluation, TownActivity
from programs.models import Program
from tests.constants import SPECIAL_EDUCATION
from tests.evaluations.helpers import YEAR, graded, health, submitted

pytestmark = pytest.mark.django_db

SECRETARIAT = "t-secretariat@example.invalid"
KANEYAMA = "t-officer-kaneyama@example.invalid"
OKURA = "t-officer-okura@example.invalid"


def remind(**options) -> str:
    out = io.StringIO()
    call_command(
        "send_evaluation_reminders", base_url="https://vision.example.jp", stdout=out, **options
    )
    return out.getvalue()


def mail_to(outbox, address):
    return [m for m in outbox if m.to == [address]]


def test_the_secretariat_hears_what_is_not_approved_and_what_lacks_an_analysis(
    reporting_year, mail_users, mailoutbox, secretariat
):
    graded("25")
    submitted(secretariat)
    remind(year=YEAR)
    [mail] = mail_to(mailoutbox, SECRETARIAT)
    assert "・最上地域保健医療対策事業: 提出済み" in mail.body
    assert "・地域連携による夜間休日診療運営事業: 未作成" in mail.body
    assert "年間事業開催数（× 遅れ）" in mail.body
    assert "https://vision.example.jp/evaluation/2025/" in mail.body


def test_reviewers_get_no_reminder(reporting_year, mail_users, mailoutbox):
    remind(year=YEAR)
    assert mail_to(mailoutbox, "t-reviewer@example.invalid") == []


def test_each_town_hears_which_activities_are_missing(
    reporting_year, mail_users, mailoutbox, kaneyama
):
    TownActivity.objects.create(
        program=health(), municipality=kaneyama, fiscal_year=YEAR, text="講座を開いた",
        status=FigureStatus.SUBMITTED,
    )  # fmt: skip
    remind(year=YEAR)
    [kaneyama_mail] = mail_to(mailoutbox, KANEYAMA)
    [okura_mail] = mail_to(mailoutbox, OKURA)
    assert "最上地域保健医療対策事業" not in kaneyama_mail.body  # submitted
    assert "最上地域保健医療対策事業: 未記入" in okura_mail.body
    assert "https://vision.example.jp/returns/2025/063614/" in kaneyama_mail.body


def test_a_town_is_not_asked_about_programs_it_is_not_in(reporting_year, mail_users, mailoutbox):
    remind(year=YEAR)
    [mail] = mail_to(mailoutbox, KANEYAMA)
    assert SPECIAL_EDUCATION not in mail.body
    assert (
        not Program.objects.get(name=SPECIAL_EDUCATION).participants.filter(code="063614").exists()
    )


def test_a_written_draft_is_still_reminded(reporting_year, mail_users, mailoutbox, kaneyama):
    TownActivity.objects.create(
        program=health(), municipality=kaneyama, fiscal_year=YEAR, text="講座を開いた"
    )
    remind(year=YEAR)
    [mail] = mail_to(mailoutbox, KANEYAMA)
    assert "最上地域保健医療対策事業: 下書き" in mail.body


def test_nothing_is_sent_for_a_locked_year(reporting_year, mail_users, mailoutbox):
    reporting_year.is_locked = True
    reporting_year.save()
    assert "締め済み" in remind()
    assert mailoutbox == []


def test_a_year_that_is_not_open_is_an_error(reporting_year):
    with pytest.raises(CommandError, match="報告年度に登録されていません"):
        remind(year=YEAR + 9)


def test_a_complete_year_tells_the_secretariat_nothing(
    reporting_year, mail_users, mailoutbox, secretariat
):
    graded("27")
    for program in Program.objects.all():
        evaluation = services.start_sheet(user=secretariat, program=program, fiscal_year=YEAR)
        ProgramEvaluation.objects.filter(pk=evaluation.pk).update(status=FigureStatus.APPROVED)
    # every KPI of every program: ◎ for HEALTH; the others lack data and need an analysis
    remind(year=YEAR)
    [mail] = mail_to(mailoutbox, SECRETARIAT)
    assert "まだ承認されていない評価シート" not in mail.body
    assert "要因分析と改善策がまだ書かれていない成果指標がある事業" in mail.body


def test_nothing_is_sent_to_the_secretariat_when_everything_is_done(mail_users, mailoutbox):
    from evaluations.notifications import secretariat_reminder
    from evaluations.selectors import ProgramRow

    done = ProgramEvaluation(program=health(), fiscal_year=YEAR, status=FigureStatus.APPROVED)
    rows = [ProgramRow(program=health(), evaluation=done, towns=[], missing_kpis=[])]
    assert secretariat_reminder(fiscal_year=YEAR, rows=rows) == 0
    assert mailoutbox == []
