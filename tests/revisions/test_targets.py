"""A target changed by a revision: later years are judged against it, earlier ones are not."""

import pytest
from django.core.exceptions import PermissionDenied

from kpis.models import KPI, KPITarget
from kpis.progress import judge_kpi
from kpis.selectors import grade_levels
from revisions import services as revisions
from tests.revisions.helpers import D, approve, made_up_plan, open_revision, publish_year
from vision.models import RevisionChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    vision, _item, program, kpi = made_up_plan()
    approve(kpi, 2025, "12")  # 20% of the way, 1/6 expected → A
    approve(kpi, 2027, "15")  # 50% of the way, 3/6 expected → A (against 20)
    return vision, program, kpi


def grades(kpi):
    kpi = KPI.objects.prefetch_related("target_history").get(pk=kpi.pk)
    progress = judge_kpi(kpi, list(kpi.actuals.published()), grade_levels(), [])
    return {j.fiscal_year: j.grade.code for j in progress.years}


def raise_target(user, vision, kpi, *, year=2027, target="40"):
    revision = open_revision(user, vision)
    return revisions.change_target(
        user=user, revision=revision, kpi=kpi, effective_year=year, target=D(target)
    )


def test_grades_before_the_change(plan):
    _vision, _program, kpi = plan
    assert grades(kpi) == {2025: "A", 2027: "A"}


def test_a_raised_target_changes_the_grade_of_the_years_from_its_effective_year(plan, secretariat):
    vision, _program, kpi = plan
    raise_target(secretariat, vision, kpi)
    assert grades(kpi)[2027] == "D"  # (15 − 10) ÷ (40 − 10) = 16.7%, expected 50%


def test_a_raised_target_leaves_the_grade_of_earlier_years(plan, secretariat):
    vision, _program, kpi = plan
    raise_target(secretariat, vision, kpi)
    assert grades(kpi)[2025] == "A"


def test_target_for_answers_the_target_in_force_each_year(plan, secretariat):
    vision, _program, kpi = plan
    raise_target(secretariat, vision, kpi)
    kpi = KPI.objects.get(pk=kpi.pk)
    assert [kpi.target_for(y) for y in (2025, 2026, 2027, 2030)] == [
        (D("20"), 2030),
        (D("20"), 2030),
        (D("40"), 2030),
        (D("40"), 2030),
    ]


def test_the_kpi_shows_the_new_target_and_keeps_the_original_in_its_history(plan, secretariat):
    vision, _program, kpi = plan
    raise_target(secretariat, vision, kpi)
    kpi.refresh_from_db()
    history = list(KPITarget.objects.filter(kpi=kpi).values_list("effective_from", "target"))
    assert (kpi.target, kpi.target_effective_from) == (D("40"), 2027)
    assert history == [(None, D("20")), (2027, D("40"))]


def test_the_change_records_the_old_and_new_target(plan, secretariat):
    vision, _program, kpi = plan
    change = raise_target(secretariat, vision, kpi)
    assert (change.before["target"], change.after["target"], change.effective_year) == (
        "20",
        "40",
        2027,
    )


def test_the_current_target_needs_no_query(plan, django_assert_num_queries):
    _vision, _program, kpi = plan
    kpi = KPI.objects.get(pk=kpi.pk)
    with django_assert_num_queries(0):
        assert kpi.target_for(2025) == (D("20"), 2030)


def test_a_change_reaching_back_before_a_later_change_is_refused(plan, secretariat):
    vision, _program, kpi = plan
    raise_target(secretariat, vision, kpi, year=2028, target="40")
    revision = open_revision(secretariat, vision, title="令和10年3月変更")
    with pytest.raises(revisions.RevisionRejected, match="それより前の年度"):
        revisions.change_target(
            user=secretariat, revision=revision, kpi=kpi, effective_year=2027, target=D("30")
        )


def test_a_year_whose_report_is_published_cannot_be_changed(plan, secretariat):
    vision, _program, kpi = plan
    publish_year(vision, 2027)
    with pytest.raises(revisions.RevisionRejected, match="公表済み"):
        raise_target(secretariat, vision, kpi, year=2027)
    kpi.refresh_from_db()
    assert kpi.target == D("20")


def test_an_unchanged_target_is_refused(plan, secretariat):
    vision, _program, kpi = plan
    with pytest.raises(revisions.RevisionRejected, match="変わっていません"):
        raise_target(secretariat, vision, kpi, target="20")


def test_an_officer_cannot_change_a_target(plan, kaneyama_officer, secretariat):
    vision, _program, kpi = plan
    revision = open_revision(secretariat, vision)
    with pytest.raises(PermissionDenied):
        revisions.change_target(
            user=kaneyama_officer, revision=revision, kpi=kpi, effective_year=2027, target=D("40")
        )
    assert not RevisionChange.objects.exists()


def test_changes_go_only_into_the_newest_revision(plan, secretariat):
    vision, _program, kpi = plan
    older = open_revision(secretariat, vision)
    open_revision(secretariat, vision, title="令和10年3月変更", decided_on=older.decided_on)
    with pytest.raises(revisions.RevisionRejected, match="いちばん新しい変更"):
        revisions.change_target(
            user=secretariat, revision=older, kpi=kpi, effective_year=2027, target=D("40")
        )


def test_a_revision_cannot_be_dated_before_the_previous_one(plan, secretariat):
    vision, _program, _kpi = plan
    older = open_revision(secretariat, vision)
    with pytest.raises(revisions.RevisionRejected, match="前の変更"):
        open_revision(
            secretariat,
            vision,
            title="令和8年3月変更",
            decided_on=older.decided_on.replace(year=2026),
        )


def test_reloading_the_document_does_not_undo_a_revised_target(secretariat, vision):
    from decimal import Decimal

    from kpis.models import KPI
    from revisions import services as revisions
    from tests.revisions.helpers import open_revision
    from vision.loader import load_vision, read_fixtures

    kpi = KPI.objects.get(name="年間事業開催数")
    revision = open_revision(secretariat, vision)
    revisions.change_target(
        user=secretariat, revision=revision, kpi=kpi, effective_year=2027, target=Decimal(40)
    )
    plan, statistics = read_fixtures()
    load_vision(plan=plan, statistics=statistics)
    kpi.refresh_from_db()
    assert kpi.target == Decimal(40)
    assert kpi.target_for(2026)[0] == Decimal(36)


def test_a_maintain_target_raised_later_still_judges_earlier_years_as_maintain(secretariat):
    from tests.factories import make_kpi

    vision, _item, program, _kpi = made_up_plan()
    trains = make_kpi(program, baseline="41", target="41", name="運行本数", order=2)
    approve(trains, 2025, "41")  # maintained: inside the band → A
    raise_target(secretariat, vision, trains, year=2027, target="45")
    assert grades(trains) == {2025: "A"}
