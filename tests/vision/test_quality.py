"""Each data-quality rule on a small made-up case, and the command on the document."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from municipalities.models import Municipality
from tests.constants import KANEYAMA, MOGAMI, OKURA, SHINJO
from tests.factories import make_item, make_kpi, make_program, make_share, make_total, make_vision
from vision.models import DaytimePopulation, HospitalPatients, ItemParty, PopulationFigure
from vision.quality import ERROR, NOTICE, check_vision

pytestmark = pytest.mark.django_db


def rules(vision, severity=None):
    return [f.rule for f in check_vision(vision) if severity is None or f.severity == severity]


@pytest.fixture
def small():
    vision = make_vision()
    item = make_item(vision)
    program = make_program(item, participants=[SHINJO, KANEYAMA])
    make_kpi(program)
    return vision, item, program


def test_a_consistent_program_has_no_error(small):
    vision, _, program = small
    make_share(program, SHINJO, 60)
    make_share(program, KANEYAMA, 40)
    make_total(program, 100)
    assert rules(vision, ERROR) == []


def test_it_reports_a_stated_total_that_differs_from_the_shares(small):
    vision, _, program = small
    make_share(program, SHINJO, 60)
    make_share(program, KANEYAMA, 41)
    make_total(program, 100)
    findings = [f for f in check_vision(vision) if f.rule == "stated_total_mismatch"]
    assert len(findings) == 1
    assert "100千円" in findings[0].message and "101千円" in findings[0].message


def test_it_reports_a_share_for_a_municipality_that_does_not_take_part(small):
    vision, _, program = small
    make_share(program, SHINJO, 60)
    make_share(program, KANEYAMA, 40)
    make_share(program, MOGAMI, 5)
    assert "share_for_non_participant" in rules(vision, ERROR)


def test_a_share_where_participants_are_undecided_is_only_a_notice():
    vision = make_vision()
    program = make_program(make_item(vision), participants=[SHINJO], undecided=True)
    make_share(program, SHINJO, 0)
    make_share(program, KANEYAMA, 0)
    assert "share_for_undecided_participant" in rules(vision, NOTICE)
    assert "share_for_non_participant" not in rules(vision)


def test_it_reports_a_participant_with_no_share(small):
    vision, _, program = small
    make_share(program, SHINJO, 60)
    assert "participant_without_share" in rules(vision, ERROR)


def test_a_blank_share_is_a_notice_not_an_error(small):
    vision, _, program = small
    make_share(program, SHINJO, None)
    make_share(program, KANEYAMA, 40)
    assert "share_blank" in rules(vision, NOTICE)
    assert rules(vision, ERROR) == []


def test_it_reports_a_participant_that_is_not_party_to_the_item():
    vision = make_vision()
    item = make_item(vision, parties={KANEYAMA: ItemParty.Status.NOT_PARTY})
    make_program(item, participants=[SHINJO, KANEYAMA])
    assert "participant_not_party" in rules(vision, ERROR)


def test_a_party_missing_from_the_program_is_a_notice(small):
    vision, _, _ = small  # every town is party, only 金山町 takes part
    assert "party_not_participant" in rules(vision, NOTICE)


def test_it_reports_kpis_without_target_or_baseline():
    vision = make_vision()
    program = make_program(make_item(vision), participants=[SHINJO])
    make_kpi(program, baseline="6519", target=None)
    make_kpi(program, baseline=None, target=None)
    found = rules(vision, NOTICE)
    assert found.count("kpi_without_target") == 2
    assert found.count("kpi_without_baseline") == 1


def test_it_reports_a_population_total_that_is_not_the_sum():
    vision = make_vision()
    towns = list(Municipality.objects.all()[:2])
    for town, value in zip(towns, [100, 200], strict=True):
        PopulationFigure.objects.create(
            vision=vision,
            scope="municipality",
            municipality=town,
            year=2020,
            kind="census",
            population=value,
        )
    PopulationFigure.objects.create(
        vision=vision, scope="area", year=2020, kind="census", population=301
    )
    assert "population_total_mismatch" in rules(vision, ERROR)


def test_it_reports_a_printed_rate_that_does_not_match():
    vision = make_vision()
    town = Municipality.objects.get(code=OKURA)
    PopulationFigure.objects.create(
        vision=vision,
        scope="municipality",
        municipality=town,
        year=2015,
        kind="census",
        population=1000,
    )
    PopulationFigure.objects.create(
        vision=vision,
        scope="municipality",
        municipality=town,
        year=2020,
        kind="census",
        population=900,
        printed_change_rate="-9.0",
    )
    assert "population_rate_mismatch" in rules(vision, ERROR)  # it is −10.0%


def test_it_reports_a_printed_ratio_that_does_not_match():
    vision = make_vision()
    DaytimePopulation.objects.create(
        vision=vision,
        municipality=Municipality.objects.get(code=OKURA),
        census_year=2020,
        population=3028,
        daytime_population=2512,
        printed_ratio="83.1",
    )
    assert "daytime_ratio_mismatch" in rules(vision, ERROR)  # it is 83.0


def test_it_reports_a_hospital_total_that_is_not_the_sum():
    vision = make_vision()
    common = {"vision": vision, "hospital": "病院", "fiscal_year": 2024, "kind": "inpatient"}
    HospitalPatients.objects.create(
        **common,
        municipality=Municipality.objects.get(code=OKURA),
        patients=40,
        printed_share="40.0",
    )
    HospitalPatients.objects.create(**common, row="other", patients=50, printed_share="50.0")
    HospitalPatients.objects.create(**common, row="total", patients=100, printed_share="100.0")
    assert "hospital_total_mismatch" in rules(vision, ERROR)


def test_the_document_has_exactly_its_two_known_contradictions(vision):
    errors = [f for f in check_vision(vision) if f.severity == ERROR]
    assert sorted(f.subject for f in errors) == [
        "子育て支援センター事業（2025年度 事業費見込）",
        "結婚活動支援事業（2025年度 事業費見込）",
    ]


def test_the_command_lists_findings_and_exits_non_zero(vision, capsys):
    with pytest.raises(CommandError) as exc:
        call_command("check_vision")
    assert exc.value.returncode == 1
    out = capsys.readouterr().out
    assert "記載された計 45,812千円 と市町村別負担額の合計 55,573千円" in out
    assert "[注意] 教育研究センター運営事業：施設利用者: 目標値が記載されていません" in out


def test_the_secretariat_sees_the_same_list_in_the_admin(client, secretariat):
    client.force_login(secretariat)
    response = client.get(reverse("admin:vision_vision_quality"))
    assert response.status_code == 200
    assert "記載された計 1,000千円 と市町村別負担額の合計 1,003千円" in response.content.decode()


def test_an_officer_cannot_open_the_quality_page(client, kaneyama_officer):
    client.force_login(kaneyama_officer)
    response = client.get(reverse("admin:vision_vision_quality"))
    assert response.status_code == 403
