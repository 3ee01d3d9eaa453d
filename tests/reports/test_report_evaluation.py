"""The progress report's evaluation section: approved sheets, 未評価, opinions; drafts absent.

The made-up year of conftest.py: 事業A has 受診者数 at × in R7 (its sheet needs a 要因分析);
事業B has 参加者数 with no actual (未把握, due: it needs one too).
"""

import datetime

from django.template.loader import render_to_string

from evaluations import services
from evaluations.models import CommitteeMeeting, Direction, Opinion, TownActivity
from evaluations.selectors import kpi_years, ratings
from municipalities.models import Municipality
from reports.report import NOT_EVALUATED, build_report
from tests.constants import KANEYAMA
from tests.reports.conftest import YEAR

DRAFT = "DRAFT-MARKER-4c1e"


def approve(user, program, *, rating_code="B", direction=Direction.CONTINUE, text="本文"):
    sheet = services.start_sheet(user=user, program=program, fiscal_year=YEAR)
    rating = next(r for r in ratings() if r.code == rating_code)
    analyses = {
        row.kpi.pk: (f"{row.kpi.name}の要因", f"{row.kpi.name}の改善策")
        for row in kpi_years(program, YEAR)
        if row.needs_analysis
    }
    sheet = services.save_sheet(
        user=user,
        evaluation=sheet,
        data={
            "done": f"{text}：実施内容",
            "results": f"{text}：成果",
            "issues": f"{text}：課題",
            "direction": direction,
            "direction_reason": f"{text}：理由",
            "rating": rating,
        },
        analyses=analyses,
        expected_version=sheet.version,
    )
    sheet = services.submit_sheet(user=user, evaluation=sheet, expected_version=sheet.version)
    return services.approve_sheet(user=user, evaluation=sheet, expected_version=sheet.version)


def html_of(report) -> str:
    return render_to_string("reports/report.html", {"report": report})


def programs_of(report):
    return {p.program.name: p for f in report.fields for p in f.programs}


def test_without_approved_evaluations_every_program_is_unevaluated(made_up_year):
    report = build_report(vision=made_up_year["vision"], fiscal_year=YEAR)
    assert all(p.evaluation is None for p in programs_of(report).values())
    assert report.evaluation_counts == {NOT_EVALUATED: 2}
    html = html_of(report)
    assert "4. 事業評価" in html
    assert html.count("未評価（この年度の事業評価は承認されていません）") == 2


def test_approved_evaluation_with_analyses_activities_and_opinions(made_up_year, secretariat):
    a, b = made_up_year["a"], made_up_year["b"]
    approve(secretariat, a, rating_code="C", direction=Direction.IMPROVE, text="事業Aの評価")
    draft = services.start_sheet(user=secretariat, program=b, fiscal_year=YEAR)
    services.save_sheet(
        user=secretariat,
        evaluation=draft,
        data={"done": DRAFT, "issues": DRAFT},
        analyses={},
        expected_version=draft.version,
    )
    kaneyama = Municipality.objects.get(code=KANEYAMA)
    TownActivity.objects.create(
        program=a,
        municipality=kaneyama,
        fiscal_year=YEAR,
        text="金山町の取組",
        approved_text="金山町の取組",
        status="approved",
        approved_at=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC),
    )
    TownActivity.objects.create(
        program=a, municipality=Municipality.objects.get(code="062057"), fiscal_year=YEAR,
        text=DRAFT,
    )  # fmt: skip
    meeting = CommitteeMeeting.objects.create(
        vision=made_up_year["vision"],
        fiscal_year=YEAR,
        held_on=datetime.date(2026, 8, 20),
        title="令和7年度 第1回懇談会",
        reviewed="令和7年度の事業評価",
        members_present=9,
    )
    Opinion.objects.create(
        meeting=meeting, order=1, program=a, text="事業Aへの意見", response="対応A"
    )
    Opinion.objects.create(
        meeting=meeting, order=2, text="ビジョン全体への意見", response="対応全体"
    )
    services.approve_meeting(user=secretariat, meeting=meeting)
    Opinion.objects.filter(meeting=meeting, order=1).update(text=DRAFT, response=DRAFT)
    unpublished = CommitteeMeeting.objects.create(
        vision=made_up_year["vision"], fiscal_year=YEAR, held_on=datetime.date(2026, 9, 1),
        title="未承認の会議", reviewed=DRAFT, members_present=8,
    )  # fmt: skip
    Opinion.objects.create(meeting=unpublished, order=1, program=a, text=DRAFT, response=DRAFT)

    report = build_report(vision=made_up_year["vision"], fiscal_year=YEAR)
    sections = programs_of(report)
    block = sections["事業A"].evaluation
    assert (block.rating, block.direction_label) == ("C 課題あり", "改善して継続")
    assert block.issues == "事業Aの評価：課題"
    assert [name for name, _, _ in block.analyses] == ["受診者数"]
    assert sections["事業A"].activities == [("金山町", "金山町の取組")]
    assert [o.text for o in sections["事業A"].opinions] == ["事業Aへの意見"]
    assert [o.response for o in report.opinions] == ["対応全体"]
    assert sections["事業B"].evaluation is None  # a draft is not an evaluation
    assert report.evaluation_counts == {"C": 1, NOT_EVALUATED: 1}
    assert report.direction_counts == {Direction.IMPROVE: 1, NOT_EVALUATED: 1}

    html = html_of(report)
    for text in ("事業Aの評価：実施内容", "受診者数の要因", "受診者数の改善策", "金山町の取組"):
        assert text in html
    assert "事業Aへの意見" in html and "対応A" in html and "ビジョン全体への意見" in html
    assert DRAFT not in html


def test_texts_are_escaped_in_the_report(made_up_year, secretariat):
    approve(secretariat, made_up_year["a"], text="<script>alert(1)</script>")
    html = html_of(build_report(vision=made_up_year["vision"], fiscal_year=YEAR))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;：実施内容" in html


def test_the_workbook_has_the_evaluation_sheet_and_counts(made_up_year, secretariat):
    import io

    from openpyxl import load_workbook

    from reports.report_xlsx import EVALUATION_HEADERS, render_xlsx

    approve(secretariat, made_up_year["a"], rating_code="C", text="事業Aの評価")
    book = load_workbook(
        io.BytesIO(render_xlsx(build_report(vision=made_up_year["vision"], fiscal_year=YEAR)))
    )
    sheet = book["事業評価"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert rows[0] == EVALUATION_HEADERS
    by_program = {row[1]: row for row in rows[1:]}
    assert by_program["事業A"][2:4] == ["C 課題あり", "継続"]
    assert "受診者数：受診者数の要因\n→ 受診者数の改善策" == by_program["事業A"][8]
    assert by_program["事業B"][2] == NOT_EVALUATED
    assert sheet.print_title_rows.replace("$", "") == "4:4"
    summary = [[c.value for c in row] for row in book["概要"].iter_rows()]
    assert any(row[:1] == ["4. 事業評価（政策分野別・事業の数）"] for row in summary)
