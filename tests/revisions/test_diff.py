"""The difference between two revisions lists exactly what changed, old → new."""

from datetime import date

import pytest
from django.urls import reverse

from municipalities.models import Municipality
from revisions import services as revisions
from tests.constants import OKURA, SHINJO
from tests.public.html import tables
from tests.revisions.helpers import D, made_up_plan, open_revision
from vision.models import ItemParty

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(secretariat):
    """当初 → 令和9年3月変更 (target 20→40 from R9, R9 budget, 大蔵村 joins) → 令和10年3月変更."""
    vision, item, program, kpi = made_up_plan()
    okura = Municipality.objects.get(code=OKURA)
    ItemParty.objects.filter(item=item, municipality=okura).update(status="undecided")
    first = open_revision(secretariat, vision)
    revisions.change_target(
        user=secretariat, revision=first, kpi=kpi, effective_year=2027, target=D("40")
    )
    revisions.set_budget_year(
        user=secretariat, revision=first, program=program, fiscal_year=2027,
        shares={SHINJO: 700}, total=700,
    )  # fmt: skip
    revisions.change_party(
        user=secretariat, revision=first, item=item, municipality=okura,
        status=ItemParty.Status.PARTY, effective_year=2027,
    )  # fmt: skip
    second = open_revision(
        secretariat, vision, title="令和10年3月変更", decided_on=date(2028, 3, 24)
    )
    revisions.change_target(
        user=secretariat, revision=second, kpi=kpi, effective_year=2028, target=D("45")
    )
    revisions.end_program(user=secretariat, revision=second, program=program, effective_year=2029)
    return vision, program, kpi, first, second


def summary(lines):
    return {
        (line.subject.split(":")[0], line.category, line.old_text, line.new_text) for line in lines
    }


def test_one_revision_against_the_original_lists_exactly_its_changes(history):
    vision, _program, _kpi, first, _second = history
    assert summary(revisions.compare(vision, None, first)) == {
        ("target", "changed", "20回（R12）", "40回（R12）・R9から適用"),
        ("budget", "added", "（なし）", "700千円"),  # the 計 and 新庄市's share: one line each
        ("party", "added", "未定", "○（締結）"),
    }


def test_the_budget_lines_name_the_total_and_the_town(history):
    vision, program, _kpi, first, _second = history
    subjects = {line.subject for line in revisions.compare(vision, None, first)}
    assert {f"budget:{program.pk}:2027:total", f"budget:{program.pk}:2027:{SHINJO}"} <= subjects


def test_two_revisions_side_by_side_show_only_the_later_changes(history):
    vision, _program, _kpi, first, second = history
    assert summary(revisions.compare(vision, first, second)) == {
        ("target", "changed", "40回（R12）・R9から適用", "45回（R12）・R10から適用"),
        ("program_period", "removed", "実施中", "R10まで（R11から実施しない）"),
    }


def test_the_original_against_the_latest_nets_the_target_changes(history):
    vision, _program, _kpi, _first, second = history
    targets = [line for line in revisions.compare(vision, None, second) if line.kind == "target"]
    assert [(t.old_text, t.new_text) for t in targets] == [
        ("20回（R12）", "45回（R12）・R10から適用")
    ]


def test_a_revision_compared_with_itself_has_no_differences(history):
    vision, _program, _kpi, first, _second = history
    assert revisions.compare(vision, first, first) == []


def test_the_public_revision_page_shows_old_and_new_side_by_side(client, history, monkeypatch):
    vision, _program, _kpi, first, _second = history
    monkeypatch.setattr("revisions.views.current_vision", lambda: vision)
    html = client.get(reverse("public:revisions:detail", args=[first.pk])).content.decode()
    changed = next(t for t in tables(html) if t["caption"].startswith("変更"))
    assert changed["headers"][2:4] == ["当初（変更前）", "令和9年3月変更"]
    assert changed["rows"][0][2:4] == ["20回（R12）", "→ 40回（R12）・R9から適用"]


def test_the_compare_page_refuses_an_unknown_revision(client, history, monkeypatch):
    vision, *_rest = history
    monkeypatch.setattr("revisions.views.current_vision", lambda: vision)
    assert client.get(reverse("public:revisions:compare"), {"a": "999999"}).status_code == 404
