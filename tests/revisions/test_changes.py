"""Each kind of change is applied and recorded (never overwritten without the value before)."""

import pytest

from core.models import FigureStatus
from municipalities.models import Municipality
from programs.models import CostShare, Program, StatedTotal
from revisions import services as revisions
from tests.constants import KANEYAMA, OKURA, SHINJO
from tests.factories import make_item
from tests.revisions.helpers import made_up_plan, open_revision
from vision.models import ItemParty, RevisionChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(secretariat):
    vision, item, program, kpi = made_up_plan()
    return vision, item, program, open_revision(secretariat, vision)


def test_a_budget_year_is_added_as_approved_plan_shares(plan, secretariat):
    _vision, _item, program, revision = plan
    revisions.set_budget_year(
        user=secretariat, revision=revision, program=program, fiscal_year=2027,
        shares={SHINJO: 700, KANEYAMA: 300}, total=1000,
    )  # fmt: skip
    shares = CostShare.objects.filter(program=program, fiscal_year=2027, kind="plan")
    assert sorted(shares.values_list("municipality__code", "approved_amount_kyen", "status")) == [
        (SHINJO, 700, FigureStatus.APPROVED),
        (KANEYAMA, 300, FigureStatus.APPROVED),
    ]


def test_a_budget_year_keeps_the_decided_total_as_it_is(plan, secretariat):
    _vision, _item, program, revision = plan
    revisions.set_budget_year(
        user=secretariat, revision=revision, program=program, fiscal_year=2027,
        shares={SHINJO: 700, KANEYAMA: 300}, total=1200,
    )  # fmt: skip
    assert StatedTotal.objects.get(program=program, fiscal_year=2027).amount_kyen == 1200


def test_a_budget_year_records_one_change_per_value(plan, secretariat):
    _vision, _item, program, revision = plan
    revisions.set_budget_year(
        user=secretariat, revision=revision, program=program, fiscal_year=2027,
        shares={SHINJO: 700, KANEYAMA: 300}, total=1000,
    )  # fmt: skip
    subjects = set(RevisionChange.objects.values_list("subject", flat=True))
    assert subjects == {
        f"budget:{program.pk}:2027:total",
        f"budget:{program.pk}:2027:{SHINJO}",
        f"budget:{program.pk}:2027:{KANEYAMA}",
    }


def test_a_negative_share_is_refused_and_nothing_is_saved(plan, secretariat):
    _vision, _item, program, revision = plan
    with pytest.raises(revisions.RevisionRejected, match="0以上"):
        revisions.set_budget_year(
            user=secretariat, revision=revision, program=program, fiscal_year=2027,
            shares={SHINJO: 700, KANEYAMA: -1},
        )  # fmt: skip
    assert not CostShare.objects.filter(program=program, fiscal_year=2027).exists()


def test_an_ended_program_no_longer_runs_from_the_effective_year(plan, secretariat):
    _vision, _item, program, revision = plan
    revisions.end_program(user=secretariat, revision=revision, program=program, effective_year=2028)
    program.refresh_from_db()
    assert (program.runs_in_year(2027), program.runs_in_year(2028)) == (True, False)


def test_an_added_program_runs_from_its_first_year(plan, secretariat):
    _vision, item, _program, revision = plan
    added = revisions.add_program(
        user=secretariat, revision=revision, item=item, name="新しい事業", effective_year=2027,
        participants=list(Municipality.objects.filter(code__in=[SHINJO, OKURA])),
    )  # fmt: skip
    assert (added.runs_in_year(2026), added.runs_in_year(2027), added.participants_printed) == (
        False,
        True,
        "新庄市、大蔵村",
    )


def test_a_moved_program_belongs_to_the_new_item(plan, secretariat):
    vision, item, program, revision = plan
    other = make_item(vision)
    change = revisions.move_program(
        user=secretariat, revision=revision, program=program, item=other, effective_year=2027
    )
    program.refresh_from_db()
    assert (program.item, change.before["item"], change.after["item"]) == (
        other,
        item.number,
        other.number,
    )


def test_a_town_joins_an_agreement_item(plan, secretariat):
    _vision, item, _program, revision = plan
    okura = Municipality.objects.get(code=OKURA)
    ItemParty.objects.filter(item=item, municipality=okura).update(status="undecided")
    revisions.change_party(
        user=secretariat, revision=revision, item=item, municipality=okura,
        status=ItemParty.Status.PARTY, effective_year=2027,
    )  # fmt: skip
    assert ItemParty.objects.get(item=item, municipality=okura).status == "party"


def test_a_town_joins_a_program(plan, secretariat):
    _vision, _item, program, revision = plan
    okura = Municipality.objects.get(code=OKURA)
    revisions.set_participation(
        user=secretariat, revision=revision, program=program, municipality=okura, joined=True,
        effective_year=2027,
    )  # fmt: skip
    assert program.participants.filter(code=OKURA).exists()


def test_a_change_outside_the_plan_period_is_refused(plan, secretariat):
    _vision, _item, program, revision = plan
    with pytest.raises(revisions.RevisionRejected, match="適用年度"):
        revisions.end_program(
            user=secretariat, revision=revision, program=program, effective_year=2031
        )
    assert Program.objects.get(pk=program.pk).last_year is None
