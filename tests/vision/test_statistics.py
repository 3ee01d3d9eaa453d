"""Every total and printed ratio in the statistics tables, checked against its parts."""

from decimal import Decimal

import pytest

from tests.constants import SHINJO
from vision.models import (
    CommutingFlow,
    CommutingOrigin,
    DaytimePopulation,
    HospitalPatients,
    KeyFigure,
    PopulationFigure,
)
from vision.quality import percent, round1

pytestmark = pytest.mark.django_db

YEARS = list(range(1990, 2051, 5))


def pop(scope, year, code=None):
    query = PopulationFigure.objects.filter(scope=scope, year=year)
    if code:
        query = query.filter(municipality__code=code)
    return query.get().population


@pytest.mark.parametrize("year", YEARS)
def test_area_total_is_the_sum_of_the_municipalities(year):
    parts = sum(
        f.population for f in PopulationFigure.objects.filter(scope="municipality", year=year)
    )
    assert pop("area", year) == parts


@pytest.mark.parametrize("year", YEARS)
def test_printed_prefecture_share_matches(year):
    area = PopulationFigure.objects.get(scope="area", year=year)
    assert percent(area.population, pop("prefecture", year)) == area.printed_prefecture_share


def test_every_printed_change_rate_matches_its_values():
    checked = 0
    for figure in PopulationFigure.objects.exclude(printed_change_rate=None):
        previous = PopulationFigure.objects.get(
            scope=figure.scope, municipality=figure.municipality, year=figure.year - 5
        )
        rate = round1(
            (Decimal(figure.population) - previous.population) * 100 / previous.population
        )
        assert rate == figure.printed_change_rate, figure
        checked += 1
    assert checked == 9 * 12  # 8 municipalities and the area, 12 rates each


def test_headline_figures():
    assert pop("area", 2020) == 70922
    assert pop("area", 2050) == 36391
    assert pop("municipality", 1990, SHINJO) == 43125
    assert pop("prefecture", 2050) == 710838
    assert PopulationFigure.objects.get(scope="area", year=2020).kind == "census"
    assert PopulationFigure.objects.get(scope="area", year=2025).kind == "projection"


def test_key_figures_of_the_text_agree_with_the_table():
    figures = {k.key: k.value for k in KeyFigure.objects.all()}
    assert (
        figures["ipss-2018-projection-2020"] - figures["census-2020"]
        == figures["printed-shortfall"]
        == 479
    )
    assert figures["ipss-2023-projection-2050"] == pop("area", 2050)


def test_daytime_total_row_is_the_sum_and_ratios_match():
    rows = list(DaytimePopulation.objects.filter(municipality__isnull=False))
    total = DaytimePopulation.objects.get(municipality__isnull=True)
    assert total.population == sum(r.population for r in rows) == 70922
    assert total.daytime_population == sum(r.daytime_population for r in rows) == 69648
    for row in [*rows, total]:
        assert percent(row.daytime_population, row.population) == row.printed_ratio, row
    assert DaytimePopulation.objects.get(municipality__code=SHINJO).printed_ratio == Decimal(
        "110.6"
    )


def test_daytime_population_equals_the_2020_census_per_municipality():
    for row in DaytimePopulation.objects.filter(municipality__isnull=False):
        assert row.population == pop("municipality", 2020, row.municipality.code)


def test_commuting_shares_match_flows_over_printed_totals():
    origins = {o.origin_id: o for o in CommutingOrigin.objects.all()}
    assert len(origins) == 8
    flows = list(CommutingFlow.objects.all())
    assert len(flows) == 64
    for flow in flows:
        assert (
            percent(flow.commuters, origins[flow.origin_id].printed_total) == flow.printed_share
        ), flow


def test_commuting_share_to_other_municipalities_matches():
    for origin in CommutingOrigin.objects.all():
        others = sum(
            f.commuters
            for f in CommutingFlow.objects.filter(origin=origin.origin).exclude(
                destination=origin.origin
            )
        )
        assert percent(others, origin.printed_total) == origin.printed_to_other_share, origin


def test_commuting_totals_include_commuters_outside_the_area():
    # 通勤通学者の総数 counts commuters to anywhere: the eight flows add up to less.
    shinjo = CommutingOrigin.objects.get(origin__code=SHINJO)
    inside = sum(f.commuters for f in CommutingFlow.objects.filter(origin=shinjo.origin))
    assert (inside, shinjo.printed_total) == (14271, 15845)


@pytest.mark.parametrize(("kind", "total"), [("inpatient", 93688), ("outpatient", 171751)])
def test_hospital_totals_and_shares(kind, total):
    rows = HospitalPatients.objects.filter(kind=kind)
    parts = rows.exclude(row="total")
    assert rows.get(row="total").patients == sum(r.patients for r in parts) == total
    assert parts.count() == 9  # eight municipalities and その他
    for row in parts:
        assert percent(row.patients, total) == row.printed_share, row
