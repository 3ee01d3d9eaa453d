"""evaluations.services: every state transition of a sheet, version conflicts, the
approval rule on KPIs that are behind, locked years, copy forward."""

import pytest
from django.core.exceptions import PermissionDenied

from core.models import FigureStatus
from evaluations import services
from evaluations.models import KPIAnalysis, ProgramEvaluation
from kpis.models import KPI
from tests.evaluations.helpers import (
    FILLED,
    YEAR,
    filled,
    graded,
    health,
    health_kpi,
    open_year,
    started,
    submitted,
)

pytestmark = pytest.mark.django_db


def test_a_new_sheet_is_a_draft_at_version_1(secretariat, reporting_year):
    evaluation = started(secretariat)
    assert (evaluation.status, evaluation.version, evaluation.copied_from_year) == (
        FigureStatus.DRAFT,
        1,
        None,
    )


def test_saving_writes_the_fields_and_the_analyses_and_bumps_the_version(
    secretariat, reporting_year
):
    evaluation = started(secretariat)
    kpi = health_kpi()
    services.save_sheet(
        user=secretariat, evaluation=evaluation, data={"done": "実施した"},
        analyses={kpi.pk: ("参加が減った", "周知を増やす")}, expected_version=1,
    )  # fmt: skip
    evaluation.refresh_from_db()
    assert (evaluation.done, evaluation.version) == ("実施した", 2)
    assert evaluation.analyses.get().is_written


def test_a_draft_is_submitted(secretariat, reporting_year):
    evaluation = submitted(secretariat)
    assert evaluation.status == FigureStatus.SUBMITTED
    assert evaluation.submitted_at is not None


def test_submitting_with_blank_fields_is_refused_with_their_names(secretariat, reporting_year):
    evaluation = started(secretariat)
    with pytest.raises(services.EvaluationRejected, match="実施内容、成果、課題、方向性の理由"):
        services.submit_sheet(user=secretariat, evaluation=evaluation, expected_version=1)
    evaluation.refresh_from_db()
    assert evaluation.status == FigureStatus.DRAFT


def test_a_submitted_sheet_is_returned_with_a_reason(secretariat, reporting_year):
    evaluation = submitted(secretariat)
    services.return_sheet(
        user=secretariat, evaluation=evaluation, reason="課題を具体的に",
        expected_version=evaluation.version,
    )  # fmt: skip
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.return_reason) == (
        FigureStatus.RETURNED,
        "課題を具体的に",
    )


def test_returning_without_a_reason_is_refused(secretariat, reporting_year):
    evaluation = submitted(secretariat)
    with pytest.raises(services.EvaluationRejected, match="差し戻す理由"):
        services.return_sheet(
            user=secretariat, evaluation=evaluation, reason="  ", expected_version=None
        )


def test_a_returned_sheet_can_be_submitted_again(secretariat, reporting_year):
    evaluation = submitted(secretariat)
    evaluation = services.return_sheet(
        user=secretariat, evaluation=evaluation, reason="直して", expected_version=None
    )
    evaluation = services.submit_sheet(
        user=secretariat, evaluation=evaluation, expected_version=evaluation.version
    )
    assert evaluation.status == FigureStatus.SUBMITTED


def test_only_a_submitted_sheet_is_returned_or_approved(secretariat, reporting_year):
    evaluation = filled(secretariat)
    with pytest.raises(services.EvaluationRejected, match="提出済み"):
        services.return_sheet(user=secretariat, evaluation=evaluation, reason="x", expected_version=None)  # fmt: skip
    with pytest.raises(services.EvaluationRejected, match="提出済み"):
        services.approve_sheet(user=secretariat, evaluation=evaluation, expected_version=None)


def test_approval_copies_the_content_for_the_public(secretariat, reporting_year):
    graded("27")  # ◎: no analysis needed
    evaluation = submitted(secretariat)
    evaluation = services.approve_sheet(
        user=secretariat, evaluation=evaluation, expected_version=evaluation.version
    )
    assert evaluation.status == FigureStatus.APPROVED
    assert evaluation.approved_content["done"] == FILLED["done"]
    assert evaluation.approved_content["rating"]["code"] == "A"


def test_a_change_after_approval_keeps_the_approved_copy(secretariat, reporting_year):
    graded("27")
    evaluation = submitted(secretariat)
    evaluation = services.approve_sheet(user=secretariat, evaluation=evaluation, expected_version=None)  # fmt: skip
    services.save_sheet(
        user=secretariat, evaluation=evaluation, data={"done": "書き直し"}, analyses={},
        expected_version=evaluation.version,
    )  # fmt: skip
    evaluation.refresh_from_db()
    assert evaluation.status == FigureStatus.DRAFT
    assert evaluation.approved_content["done"] == FILLED["done"]


@pytest.mark.parametrize("actual, reason", [("26", "△"), ("25", "×")])
def test_approval_is_refused_while_a_kpi_behind_lacks_its_analysis(
    secretariat, reporting_year, actual, reason
):
    graded(actual)
    evaluation = submitted(secretariat)
    with pytest.raises(services.EvaluationRejected, match=f"年間事業開催数」（{reason}"):
        services.approve_sheet(user=secretariat, evaluation=evaluation, expected_version=None)
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.approved_content) == (FigureStatus.SUBMITTED, None)


def test_approval_is_refused_when_a_due_kpi_has_no_data(secretariat, reporting_year):
    evaluation = submitted(secretariat)  # no approved actual in R7: −（未把握）
    with pytest.raises(services.EvaluationRejected, match="未把握"):
        services.approve_sheet(user=secretariat, evaluation=evaluation, expected_version=None)


def test_a_cause_without_a_remedy_is_not_enough(secretariat, reporting_year):
    graded("26")
    evaluation = started(secretariat)
    kpi = health_kpi()
    evaluation = services.save_sheet(
        user=secretariat, evaluation=evaluation, data={**FILLED, "rating": None},
        analyses={kpi.pk: ("人が集まらない", "")}, expected_version=None,
    )  # fmt: skip
    assert services.missing_analyses(evaluation)


def test_approval_passes_once_the_analysis_is_written(secretariat, reporting_year):
    graded("26")
    evaluation = submitted(secretariat)
    kpi = health_kpi()
    evaluation = services.save_sheet(
        user=secretariat, evaluation=evaluation, data={},
        analyses={kpi.pk: ("人が集まらない", "周知を増やす")}, expected_version=None,
    )  # fmt: skip
    evaluation = services.submit_sheet(user=secretariat, evaluation=evaluation, expected_version=None)  # fmt: skip
    evaluation = services.approve_sheet(user=secretariat, evaluation=evaluation, expected_version=None)  # fmt: skip
    assert evaluation.approved_content["analyses"] == [
        {"kpi": kpi.pk, "cause": "人が集まらない", "remedy": "周知を増やす"}
    ]


@pytest.mark.parametrize("action", ["save", "submit", "return", "approve"])
def test_a_stale_version_is_refused_and_nothing_changes(secretariat, reporting_year, action):
    graded("27")
    evaluation = submitted(secretariat) if action in ("return", "approve") else filled(secretariat)
    stale = evaluation.version - 1
    calls = {
        "save": lambda: services.save_sheet(
            user=secretariat, evaluation=evaluation, data={"done": "古い画面から"}, analyses={},
            expected_version=stale,
        ),
        "submit": lambda: services.submit_sheet(user=secretariat, evaluation=evaluation, expected_version=stale),
        "return": lambda: services.return_sheet(user=secretariat, evaluation=evaluation, reason="x", expected_version=stale),
        "approve": lambda: services.approve_sheet(user=secretariat, evaluation=evaluation, expected_version=stale),
    }  # fmt: skip
    before = ProgramEvaluation.objects.values().get(pk=evaluation.pk)
    with pytest.raises(services.EvaluationRejected, match="画面を開いた後に"):
        calls[action]()
    assert ProgramEvaluation.objects.values().get(pk=evaluation.pk) == before


def test_analyses_of_another_programs_kpi_are_refused(secretariat, reporting_year):
    evaluation = started(secretariat)
    other = KPI.objects.exclude(program=health()).first()
    with pytest.raises(services.EvaluationRejected, match="この事業の成果指標ではない"):
        services.save_sheet(
            user=secretariat, evaluation=evaluation, data={"done": "x"},
            analyses={other.pk: ("a", "b")}, expected_version=None,
        )  # fmt: skip
    evaluation.refresh_from_db()
    assert (evaluation.done, KPIAnalysis.objects.count()) == ("", 0)


@pytest.mark.parametrize("action", ["save", "submit", "return", "approve"])
def test_a_locked_year_refuses_every_write(secretariat, reporting_year, action):
    graded("27")
    evaluation = submitted(secretariat) if action in ("return", "approve") else filled(secretariat)
    reporting_year.is_locked = True
    reporting_year.save()
    calls = {
        "save": lambda: services.save_sheet(
            user=secretariat, evaluation=evaluation, data={"done": "x"}, analyses={},
            expected_version=None,
        ),
        "submit": lambda: services.submit_sheet(user=secretariat, evaluation=evaluation, expected_version=None),
        "return": lambda: services.return_sheet(user=secretariat, evaluation=evaluation, reason="x", expected_version=None),
        "approve": lambda: services.approve_sheet(user=secretariat, evaluation=evaluation, expected_version=None),
    }  # fmt: skip
    before = ProgramEvaluation.objects.values().get(pk=evaluation.pk)
    with pytest.raises(services.EvaluationRejected, match="締められています"):
        calls[action]()
    assert ProgramEvaluation.objects.values().get(pk=evaluation.pk) == before


def test_a_locked_year_refuses_a_new_sheet(secretariat, reporting_year):
    reporting_year.is_locked = True
    reporting_year.save()
    with pytest.raises(services.EvaluationRejected, match="締められています"):
        started(secretariat)
    assert not ProgramEvaluation.objects.exists()


def test_reviewers_and_officers_may_not_write(reviewer, kaneyama_officer, reporting_year):
    for user in (reviewer, kaneyama_officer):
        with pytest.raises(PermissionDenied):
            started(user)
    assert not ProgramEvaluation.objects.exists()


def test_copy_forward_copies_last_years_text_and_is_marked(secretariat, vision, reporting_year):
    open_year(vision, YEAR + 1)
    kpi = health_kpi()
    last = filled(secretariat)
    services.save_sheet(
        user=secretariat, evaluation=last, data={}, analyses={kpi.pk: ("要因", "改善")},
        expected_version=None,
    )  # fmt: skip
    evaluation = services.start_sheet(
        user=secretariat, program=health(), fiscal_year=YEAR + 1, copy_forward=True
    )
    assert (evaluation.done, evaluation.copied_from_year) == (FILLED["done"], YEAR)
    assert evaluation.is_copied_unedited
    assert evaluation.analyses.get().cause == "要因"


def test_a_copied_sheet_is_unmarked_once_saved(secretariat, vision, reporting_year):
    open_year(vision, YEAR + 1)
    filled(secretariat)
    evaluation = services.start_sheet(
        user=secretariat, program=health(), fiscal_year=YEAR + 1, copy_forward=True
    )
    services.save_sheet(
        user=secretariat, evaluation=evaluation, data={"done": "今年度の内容"}, analyses={},
        expected_version=evaluation.version,
    )  # fmt: skip
    evaluation.refresh_from_db()
    assert not evaluation.is_copied_unedited


def test_copy_forward_without_a_previous_sheet_starts_empty(secretariat, reporting_year):
    evaluation = services.start_sheet(
        user=secretariat, program=health(), fiscal_year=YEAR, copy_forward=True
    )
    assert (evaluation.done, evaluation.copied_from_year) == ("", None)


def test_every_transition_is_in_the_history_with_the_user(secretariat, reporting_year):
    evaluation = submitted(secretariat)
    reasons = list(
        evaluation.history.order_by("history_date", "history_id").values_list(
            "history_change_reason", "history_user"
        )
    )
    assert reasons == [("作成", secretariat.pk), ("保存", secretariat.pk), ("提出", secretariat.pk)]
