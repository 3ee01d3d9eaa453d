"""The vision as loaded from fixtures/vision: counts, a second load, and
who is party to what, against the document."""

import pytest

from kpis.models import KPI
from municipalities.models import Municipality
from programs.models import CostShare, Program
from vision.loader import load_vision, read_fixtures
from vision.models import AgreementItem, Category, ItemParty, PolicyField

pytestmark = pytest.mark.django_db


def test_it_has_the_eight_municipalities_with_the_printed_figures():
    rows = {m.code: (m.name, m.population, str(m.area_km2)) for m in Municipality.objects.all()}
    assert rows == {
        "062057": ("新庄市", 32075, "222.85"),
        "063614": ("金山町", 4511, "161.67"),
        "063622": ("最上町", 7174, "330.37"),
        "063631": ("舟形町", 4545, "119.03"),
        "063649": ("真室川町", 6376, "374.22"),
        "063657": ("大蔵村", 2673, "211.64"),
        "063665": ("鮭川村", 3526, "122.14"),
        "063673": ("戸沢村", 3722, "261.31"),
    }


def test_only_shinjo_is_the_central_city():
    assert list(
        Municipality.objects.filter(is_central_city=True).values_list("code", flat=True)
    ) == ["062057"]


def test_the_plan_tree_has_the_documents_counts(vision):
    # The document has 3 policy fields, 11 categories (5 + 3 + 3), 20 items, 26 programs.
    assert PolicyField.objects.filter(vision=vision).count() == 3
    assert Category.objects.filter(policy_field__vision=vision).count() == 11
    assert AgreementItem.objects.count() == 20
    assert Program.objects.count() == 26


def test_there_are_26_kpi_rows_and_one_program_without_any():
    assert KPI.objects.count() == 26
    assert list(Program.objects.filter(kpis__isnull=True).values_list("name", flat=True)) == [
        "道路除雪の代行除雪"
    ]


def test_the_waste_program_has_two_kpis():
    program = Program.objects.get(name="ごみ減量化・再資源化検討事業")
    assert [k.name for k in program.kpis.all()] == ["生活系ごみ1人当たり排出量", "事業系ごみ量"]


def marks(number):
    return "".join(
        p.mark[0] if p.mark != "未定" else "_"
        for p in ItemParty.objects.filter(item__number=number)
    )


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1, "○○○○○○○"),
        (6, "○—○—○○○"),
        (12, "○○○○○—○"),
        (14, "____○○_"),
        (15, "————○——"),
        (20, "_______"),
    ],
)
def test_party_marks_follow_the_matrix(number, expected):
    # order: 金山町 最上町 舟形町 真室川町 大蔵村 鮭川村 戸沢村; _ is blank (undecided)
    assert marks(number) == expected


def test_three_programs_leave_participants_undecided():
    undecided = Program.objects.filter(participants_undecided=True).order_by("item__number")
    assert [p.name for p in undecided] == [
        "持続可能な地域公共交通の構築",
        "関係人口の創出",
        "デジタル人材の育成・確保",
    ]
    assert all(p.participants_printed == "新庄市、" for p in undecided)


def test_loading_twice_changes_nothing():
    plan, statistics = read_fixtures()
    CostShare.history.model.objects.all().delete()
    report = load_vision(plan=plan, statistics=statistics)
    assert report.changed == 0
    assert sum(report.unchanged.values()) > 700
    assert CostShare.history.count() == 0


def test_a_second_partnership_area_leaves_the_first_untouched(vision):
    from bench.synthetic import renamed, renamed_statistics

    plan, statistics = read_fixtures()
    before = list(
        AgreementItem.objects.filter(category__policy_field__vision=vision).values_list(
            "pk", "category"
        )
    )
    load_vision(plan=renamed(plan, 1), statistics=renamed_statistics(statistics, plan, 1))
    after = list(
        AgreementItem.objects.filter(category__policy_field__vision=vision).values_list(
            "pk", "category"
        )
    )
    assert after == before
    assert AgreementItem.objects.count() == 40
    assert load_vision(plan=plan, statistics=statistics).changed == 0


def test_load_vision_if_missing_keeps_what_the_secretariat_changed(vision):
    from django.core.management import call_command

    kpi = KPI.objects.get(name="年間事業開催数")
    kpi.note = "事務局が修正"
    kpi.save()
    call_command("load_vision", "--if-missing")
    kpi.refresh_from_db()
    assert kpi.note == "事務局が修正"
    call_command("load_vision")
    kpi.refresh_from_db()
    assert kpi.note == "委員会、幹事会を除く"
