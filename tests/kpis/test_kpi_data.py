"""A sample of KPIs from each policy field, as printed, and how they were interpreted."""

from decimal import Decimal

import pytest

from kpis.models import KPI, Direction

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "unit", "baseline", "target", "direction"),
    [
        ("年間事業開催数", "回", "25", "36", Direction.INCREASE),
        ("受診者数", "人", "2717", "2000", Direction.DECREASE),
        ("勉強会・情報交換会の開催件数", "回", "3", "3", Direction.MAINTAIN),
        ("最上地域の観光者数", "千人", "2100", "2500", Direction.INCREASE),
        ("生活系ごみ1人当たり排出量", "kg", "182", "178", Direction.DECREASE),
        ("事業系ごみ量", "t", "6448", "5803", Direction.DECREASE),
        ("陸羽東西線運行列車本数", "本", "41", "41", Direction.MAINTAIN),
        ("隊員の任期満了後の圏域内定住者", "人", "31", "40", Direction.INCREASE),
        ("職員の満足度", "%", "89.6", "100", Direction.INCREASE),
        ("勉強会等の実施回数", "回", "3", "4", Direction.INCREASE),
    ],
)
def test_printed_kpis(name, unit, baseline, target, direction):
    kpi = KPI.objects.get(name=name)
    assert (kpi.unit, kpi.baseline, kpi.target, kpi.direction) == (
        unit,
        Decimal(baseline),
        Decimal(target),
        direction,
    )
    assert (kpi.baseline_year, kpi.target_year) == (2024, 2030)


def test_the_bus_kpis_are_distinguished_by_program_and_reporter():
    bus = KPI.objects.filter(name="利用者数").order_by("program__number")
    assert [
        (k.program.name, k.baseline, k.target, k.reporter.name, k.period_note) for k in bus
    ] == [
        (
            "コミュニティバス運行事業（鮭川村営バス）",
            Decimal("6930"),
            Decimal("6930"),
            "鮭川村",
            "1月～12月まで",
        ),
        (
            "コミュニティバスの運行事業（大蔵村営バス）",
            Decimal("23809"),
            Decimal("30000"),
            "大蔵村",
            "1月～12月まで",
        ),
    ]


def test_a_kpi_with_baseline_and_no_target():
    kpi = KPI.objects.get(name="施設利用者")
    assert (kpi.baseline, kpi.target, kpi.direction, kpi.source) == (
        Decimal("6519"),
        None,
        "",
        "最上広域市町村圏事務組合調べ",
    )


def test_kpis_to_be_set_after_the_program_starts():
    later = KPI.objects.filter(to_be_set_later=True).order_by("program__item__number")
    assert [k.name for k in later] == ["検討会の開催回数", "二地域居住者数", "研修会の開催回数"]
    assert all(k.baseline is None and k.target is None for k in later)


def test_the_new_farmers_kpi_is_the_sum_of_the_towns():
    summed = KPI.objects.filter(is_sum_of_municipalities=True)
    assert [k.name for k in summed] == ["圏域内の新規就農者数"]
    assert summed[0].reporter is None


def test_area_kpis_are_entered_by_the_secretariat():
    kpi = KPI.objects.get(name="年間事業開催数")
    assert kpi.reporter is None
    assert KPI.objects.get(name="共同事業体数").source == "新庄市調べ"
