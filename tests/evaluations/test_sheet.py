"""The sheet page (/evaluation/<year>/programs/<pk>/): what it shows, and each action
through it — saved through the services at the version shown, or refused with a Japanese
message, what was typed kept, and nothing saved."""

from datetime import date

import pytest
from django.urls import reverse

from core.models import FigureStatus
from evaluations.models import KPIAnalysis, ProgramEvaluation, TownActivity
from programs.models import Program
from tests.constants import CREMATION, SAKEGAWA
from tests.evaluations.helpers import (
    FILLED,
    YEAR,
    filled,
    form_data,
    graded,
    health,
    health_kpi,
    open_year,
    started,
    submitted,
    url,
)
from tests.factories import make_item, make_program, make_vision
from tests.pages import loaded_page
from vision.models import PlanRevision

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_secretariat(client, secretariat, reporting_year):
    client.force_login(secretariat)
    return client


def saved():
    return ProgramEvaluation.objects.values().get()


# --- what the page shows ------------------------------------------------------------------


def test_it_shows_the_towns_activities_and_their_state(as_secretariat, kaneyama, okura):
    TownActivity.objects.create(
        program=health(), municipality=kaneyama, fiscal_year=YEAR, text="健康講座を開いた",
        status=FigureStatus.SUBMITTED,
    )  # fmt: skip
    page = loaded_page(as_secretariat.get(url("sheet")), "関係市町村の取組状況")
    assert "健康講座を開いた" in page
    assert "提出済み" in page
    assert "大蔵村" in page and "未記入" in page


def test_a_town_that_is_not_a_participant_is_not_listed(as_secretariat):
    cremation = Program.objects.get(name=CREMATION)
    page = loaded_page(as_secretariat.get(url("sheet", cremation)), "関係市町村の取組状況")
    table = page[page.index('id="activities-heading"') : page.index("</section>")]
    assert "戸沢村" in table
    assert "鮭川村" not in table
    assert not cremation.participants.filter(code=SAKEGAWA).exists()


def test_a_kpi_behind_shows_its_grade_and_that_it_needs_an_analysis(as_secretariat, secretariat):
    graded("26")
    filled(secretariat)
    page = loaded_page(as_secretariat.get(url("sheet")), "年間事業開催数")
    assert "△" in page and "やや遅れ" in page
    assert "<strong>要因分析が必要</strong>（未記入）" in page


def test_a_kpi_without_data_shows_unknown(as_secretariat, secretariat):
    filled(secretariat)
    page = loaded_page(as_secretariat.get(url("sheet")), "年間事業開催数")
    assert "−（未把握）" in page


def test_a_kpi_on_track_needs_no_analysis(as_secretariat, secretariat):
    graded("27")
    filled(secretariat)
    page = loaded_page(as_secretariat.get(url("sheet")), "年間事業開催数")
    assert "◎" in page
    assert "<strong>要因分析が必要</strong>" not in page


def test_without_a_sheet_it_offers_to_create_one(as_secretariat):
    page = loaded_page(as_secretariat.get(url("sheet")), "まだ作成されていません")
    assert "評価シートを作成する" in page
    assert "前年度" not in page  # nothing to copy from


def test_the_history_says_who_did_what(as_secretariat, secretariat):
    submitted(secretariat)
    page = loaded_page(as_secretariat.get(url("sheet")), "変更履歴")
    assert "状態：下書き → 提出済み" in page
    assert "t-secretariat" in page


def test_a_program_of_another_vision_is_not_found(as_secretariat):
    other = make_program(make_item(make_vision()), participants=[])
    assert as_secretariat.get(url("sheet", other)).status_code == 404
    assert as_secretariat.post(url("start", other)).status_code == 404


def test_a_year_that_is_not_open_is_not_found(as_secretariat):
    assert as_secretariat.get(url("sheet", year=YEAR + 5)).status_code == 404
    assert as_secretariat.get(reverse("evaluations:year", args=[YEAR + 5])).status_code == 404


def test_a_program_that_does_not_run_that_year_is_not_found(as_secretariat):
    program = health()
    program.last_year = YEAR - 1
    program.save()
    assert as_secretariat.get(url("sheet")).status_code == 404


def test_a_reviewer_reads_the_sheet_without_any_form(client, reviewer, secretariat, reporting_year):
    filled(secretariat)
    client.force_login(reviewer)
    page = loaded_page(client.get(url("sheet")), "閲覧だけができます", FILLED["done"])
    assert 'name="done"' not in page
    assert 'name="version"' not in page
    assert 'enctype="multipart/form-data"' not in page


def test_a_locked_year_is_read_only(as_secretariat, secretariat, reporting_year):
    filled(secretariat)
    reporting_year.is_locked = True
    reporting_year.save()
    page = loaded_page(as_secretariat.get(url("sheet")), "締め済み", FILLED["done"])
    assert 'name="done"' not in page


def test_a_post_on_a_locked_year_is_refused_with_a_message(
    as_secretariat, secretariat, reporting_year
):
    sheet = filled(secretariat)
    reporting_year.is_locked = True
    reporting_year.save()
    before = saved()
    response = as_secretariat.post(url("sheet"), form_data(sheet, done="締めた後"))
    assert response.status_code == 400
    assert "この年度は締められています" in response.content.decode()
    assert saved() == before


# --- creating, copying forward ----------------------------------------------------------------


def test_the_secretariat_creates_a_sheet(as_secretariat):
    response = as_secretariat.post(url("start"))
    assert response.status_code == 302
    assert ProgramEvaluation.objects.get().copied_from_year is None


def test_copy_forward_is_marked_until_edited(as_secretariat, secretariat, vision):
    open_year(vision, YEAR + 1)
    filled(secretariat)
    as_secretariat.post(url("start", year=YEAR + 1), {"copy_forward": "1"})
    sheet = ProgramEvaluation.objects.get(fiscal_year=YEAR + 1)
    page = loaded_page(as_secretariat.get(url("sheet", year=YEAR + 1)), FILLED["done"])
    assert "前年度から複写" in page
    year_page = loaded_page(
        as_secretariat.get(reverse("evaluations:year", args=[YEAR + 1])), "評価の状況"
    )
    assert "前年度から複写" in year_page
    as_secretariat.post(url("sheet", year=YEAR + 1), form_data(sheet, done="令和8年度の内容"))
    page = loaded_page(as_secretariat.get(url("sheet", year=YEAR + 1)), "令和8年度の内容")
    assert "前年度から複写" not in page


# --- saving -------------------------------------------------------------------------------------


def test_saving_writes_the_fields_and_the_analysis(as_secretariat, secretariat):
    sheet = started(secretariat)
    kpi = health_kpi()
    response = as_secretariat.post(
        url("sheet"),
        form_data(
            sheet, done="講座を開いた", **{f"cause-{kpi.pk}": "雪", f"remedy-{kpi.pk}": "春に"}
        ),
    )
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert (sheet.done, sheet.version) == ("講座を開いた", 2)
    assert (sheet.analyses.get().cause, sheet.analyses.get().remedy) == ("雪", "春に")


def test_saving_blank_analyses_creates_no_rows(as_secretariat, secretariat):
    sheet = started(secretariat)
    as_secretariat.post(url("sheet"), form_data(sheet, done="x"))
    assert not KPIAnalysis.objects.exists()


def test_a_stale_save_is_refused_and_keeps_what_was_typed(as_secretariat, secretariat):
    sheet = filled(secretariat)
    stale = form_data(sheet, done="古い画面で書いた文")
    services_save = form_data(sheet, done="先に保存された文")
    assert as_secretariat.post(url("sheet"), services_save).status_code == 302
    before = saved()
    response = as_secretariat.post(url("sheet"), stale)
    page = response.content.decode()
    assert response.status_code == 409
    assert "画面を開いた後に" in page and "何も保存していません" in page
    assert "古い画面で書いた文" in page  # what was typed
    assert "先に保存された文" in page  # what is saved, beside it
    assert saved() == before


def test_after_a_conflict_saving_again_knowingly_replaces(as_secretariat, secretariat):
    sheet = filled(secretariat)
    as_secretariat.post(url("sheet"), form_data(sheet, done="先に保存された文"))
    response = as_secretariat.post(url("sheet"), form_data(sheet, done="古い画面で書いた文"))
    version = response.context["form"]["version"].value()
    as_secretariat.post(url("sheet"), form_data(sheet, done="古い画面で書いた文", version=version))
    sheet.refresh_from_db()
    assert sheet.done == "古い画面で書いた文"


def test_a_post_without_the_version_is_refused(as_secretariat, secretariat):
    sheet = filled(secretariat)
    before = saved()
    data = form_data(sheet, done="版なし")
    del data["version"]
    response = as_secretariat.post(url("sheet"), data)
    assert response.status_code == 400
    assert "画面の版が読み取れませんでした" in response.content.decode()
    assert saved() == before


def test_an_unknown_direction_is_refused(as_secretariat, secretariat):
    sheet = filled(secretariat)
    before = saved()
    response = as_secretariat.post(url("sheet"), form_data(sheet, direction="abolish"))
    assert response.status_code == 400
    assert "今後の方向性は一覧から選んでください" in response.content.decode()
    assert saved() == before


def test_a_revision_needs_a_revising_direction(as_secretariat, secretariat, vision):
    revision = PlanRevision.objects.create(
        vision=vision, title="令和9年3月変更", decided_on=date(2027, 3, 1), basis="懇談会"
    )
    sheet = filled(secretariat)
    before = saved()
    response = as_secretariat.post(
        url("sheet"), form_data(sheet, direction="continue", revision=revision.pk)
    )
    assert response.status_code == 400
    assert "計画の変更と結び付けられるのは" in response.content.decode()
    assert saved() == before


def test_a_revision_of_another_vision_cannot_be_chosen(as_secretariat, secretariat):
    other = PlanRevision.objects.create(
        vision=make_vision(), title="別の圏域", decided_on=date(2027, 3, 1), basis="x"
    )
    sheet = filled(secretariat)
    response = as_secretariat.post(
        url("sheet"), form_data(sheet, direction="reduce", revision=other.pk)
    )
    assert response.status_code == 400
    assert "計画の変更は一覧から選んでください" in response.content.decode()


def test_a_revision_is_linked_with_a_revising_direction(as_secretariat, secretariat, vision):
    revision = PlanRevision.objects.create(
        vision=vision, title="令和9年3月変更", decided_on=date(2027, 3, 1), basis="懇談会"
    )
    sheet = filled(secretariat)
    response = as_secretariat.post(
        url("sheet"), form_data(sheet, direction="reduce", revision=revision.pk)
    )
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert (sheet.direction, sheet.revision) == ("reduce", revision)


# --- submit, return, approve ------------------------------------------------------------------------


def test_submitting_an_incomplete_sheet_shows_what_is_missing(as_secretariat, secretariat):
    sheet = started(secretariat)
    response = as_secretariat.post(url("submit"), {"version": sheet.version})
    assert response.status_code == 400
    assert "次の欄を書いてから提出してください" in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.status == FigureStatus.DRAFT


def test_approval_refused_while_an_analysis_is_missing_says_which_kpi(as_secretariat, secretariat):
    graded("25")
    sheet = submitted(secretariat)
    page = loaded_page(
        as_secretariat.get(url("sheet")), "承認の前に要因分析と改善策が必要な成果指標"
    )
    assert "年間事業開催数" in page
    response = as_secretariat.post(url("approve"), {"version": sheet.version})
    assert response.status_code == 400
    assert "要因分析と改善策が書かれていないため、承認できません" in response.content.decode()
    sheet.refresh_from_db()
    assert (sheet.status, sheet.approved_at) == (FigureStatus.SUBMITTED, None)


def test_a_stale_approval_is_refused(as_secretariat, secretariat):
    graded("27")
    sheet = submitted(secretariat)
    response = as_secretariat.post(url("approve"), {"version": sheet.version - 1})
    assert response.status_code == 409
    sheet.refresh_from_db()
    assert sheet.status == FigureStatus.SUBMITTED


def test_returning_needs_a_reason_and_keeps_nothing(as_secretariat, secretariat):
    sheet = submitted(secretariat)
    response = as_secretariat.post(url("return"), {"version": sheet.version, "reason": ""})
    assert response.status_code == 400
    assert "差し戻す理由を書いてください" in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.status == FigureStatus.SUBMITTED


def test_a_returned_sheet_shows_the_reason(as_secretariat, secretariat):
    sheet = submitted(secretariat)
    as_secretariat.post(url("return"), {"version": sheet.version, "reason": "課題を具体的に"})
    page = loaded_page(as_secretariat.get(url("sheet")), "差し戻されています")
    assert "課題を具体的に" in page
