"""Saving many figures at once (an import, a whole return): written in bulk, with exactly
the versions, history rows, checks and refusals of the figure-by-figure path."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.models import FigureStatus
from kpis.models import KPIActual
from programs.models import CostShare
from returns import services
from returns.annual import Entry, build_return
from tests.constants import HEALTH, KANEYAMA
from tests.returns.helpers import (
    figures_snapshot,
    header_index,
    program,
    return_url,
    share,
    the_return,
    workbook,
    xlsx_upload,
)

pytestmark = pytest.mark.django_db

FIGURE_BY_FIGURE = 10**9  # a BULK_MIN_WRITES no save reaches


def entries(ret, start=100, comment=None, versions=False):
    """A value for every line of the return (plus a comment, so that no value is flagged)."""
    return [
        Entry(
            line.key,
            Decimal(start + number),
            comment=comment,
            version=line.version if versions else None,
        )
        for number, line in enumerate(ret.lines)
    ]


def save(user, ret, items, reason=""):
    return services.save_entries(user=user, annual_return=ret, entries=items, reason=reason)


def figures_of(municipality, year=2025):
    shares = CostShare.objects.filter(municipality=municipality, fiscal_year=year).exclude(
        kind=CostShare.Kind.PLAN
    )
    actuals = KPIActual.objects.filter(municipality=municipality, fiscal_year=year)
    return [*shares, *actuals]


@pytest.fixture
def no_figure_by_figure(monkeypatch):
    """Any save of a single figure fails: only the bulk path can pass."""

    def refuse(figure, **kwargs):
        raise AssertionError("saved figure by figure")

    monkeypatch.setattr(services, "_save", refuse)


@pytest.fixture
def bulk_results(monkeypatch):
    """What each bulk attempt answered (True: written in bulk; False: handed back)."""
    original, results = services._save_in_bulk, []

    def spy(*args, **kwargs):
        results.append(original(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(services, "_save_in_bulk", spy)
    return results


# --- what is written ------------------------------------------------------------------------


def test_a_whole_return_is_saved_in_bulk(
    reporting_year, kaneyama, kaneyama_officer, no_figure_by_figure
):
    ret = the_return(reporting_year, kaneyama)
    assert len(ret.lines) >= services.BULK_MIN_WRITES
    save(kaneyama_officer, ret, entries(ret, comment="確認済み"))
    assert len(figures_of(kaneyama)) == len(ret.lines)


def test_new_figures_get_version_one_and_one_history_row_each_with_the_user_and_reason(
    reporting_year, kaneyama, kaneyama_officer, no_figure_by_figure
):
    ret = the_return(reporting_year, kaneyama)
    save(
        kaneyama_officer, ret, entries(ret, comment="確認済み"), reason="ファイル取り込み（a.xlsx）"
    )
    figures = figures_of(kaneyama)
    assert {(f.version, f.status, f.updated_by) for f in figures} == {
        (1, FigureStatus.DRAFT, kaneyama_officer)
    }
    assert all(f.updated_at is not None for f in figures)
    history = [list(f.history.all()) for f in figures]
    assert {(len(rows), rows[0].history_type) for rows in history} == {(1, "+")}
    assert {(rows[0].history_user, rows[0].history_change_reason) for rows in history} == {
        (kaneyama_officer, "ファイル取り込み（a.xlsx）")
    }


def test_changed_figures_get_the_next_version_and_a_history_row_with_the_new_user(
    reporting_year, kaneyama, kaneyama_officer, secretariat, no_figure_by_figure
):
    ret = the_return(reporting_year, kaneyama)
    save(kaneyama_officer, ret, entries(ret, comment="確認済み"))
    again = the_return(reporting_year, kaneyama)
    save(secretariat, again, entries(again, start=500, versions=True), reason="決算書で確認")
    figure = share(program(HEALTH), kaneyama)
    newest, older = figure.history.all()[:2]
    assert (figure.version, figure.updated_by) == (2, secretariat)
    assert (newest.history_type, newest.history_user, newest.history_change_reason) == (
        "~",
        secretariat,
        "決算書で確認",
    )
    assert (older.history_user, older.amount_kyen) == (kaneyama_officer, figure.amount_kyen - 400)


def test_a_change_in_bulk_after_approval_keeps_the_approved_value_public(
    reporting_year, kaneyama, kaneyama_officer, secretariat, no_figure_by_figure
):
    ret = the_return(reporting_year, kaneyama)
    save(kaneyama_officer, ret, entries(ret, comment="確認済み"))
    CostShare.objects.filter(municipality=kaneyama, fiscal_year=2025).update(
        status=FigureStatus.APPROVED, approved_amount_kyen=7
    )  # as if every share had been approved
    again = the_return(reporting_year, kaneyama)
    save(kaneyama_officer, again, entries(again, start=300))
    figure = share(program(HEALTH), kaneyama)
    assert (figure.status, figure.approved_amount_kyen) == (FigureStatus.DRAFT, 7)
    assert figure.amount_kyen >= 300


def test_the_statements_do_not_grow_with_the_number_of_figures(
    reporting_year, kaneyama, kaneyama_officer
):
    def statements(count):
        ret = the_return(reporting_year, kaneyama)
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            save(kaneyama_officer, ret, entries(ret, comment="確認済み")[:count])
            transaction.set_rollback(True)
        return len(queries)

    shares = len(the_return(reporting_year, kaneyama).share_lines)  # the lines come shares first
    assert shares > services.BULK_MIN_WRITES
    assert statements(shares) == statements(services.BULK_MIN_WRITES)


# --- the same as figure by figure ---------------------------------------------------------------


def snapshot():
    """Every figure and every history row, without ids and times."""
    shares = sorted(
        CostShare.objects.values_list(
            "program_id", "municipality_id", "fiscal_year", "kind", "amount_kyen",
            "approved_amount_kyen", "status", "version", "comment", "updated_by_id",
        )
    )  # fmt: skip
    actuals = sorted(
        KPIActual.objects.values_list(
            "kpi_id", "municipality_id", "fiscal_year", "value", "approved_value", "status",
            "version", "comment", "updated_by_id",
        ),
        key=str,
    )  # fmt: skip
    history = sorted(
        [
            *CostShare.history.values_list(
                "program_id", "kind", "amount_kyen", "status", "version", "comment",
                "history_type", "history_user_id", "history_change_reason",
            ),
            *KPIActual.history.values_list(
                "kpi_id", "municipality_id", "value", "status", "version", "comment",
                "history_type", "history_user_id", "history_change_reason",
            ),
        ],
        key=str,
    )  # fmt: skip
    return shares, actuals, history


def scenario(reporting_year, vision, kaneyama, officer, secretariat):
    """First entries, a submission, approvals, then changes with new comments (town and area)."""
    ret = the_return(reporting_year, kaneyama)
    save(officer, ret, entries(ret, comment="前年度と同じ事業量"))
    services.submit_return(user=officer, annual_return=the_return(reporting_year, kaneyama))
    ret = the_return(reporting_year, kaneyama)
    decisions = [services.Decision(line.key, services.APPROVE) for line in ret.lines[::2]]
    services.review_return(user=secretariat, annual_return=ret, decisions=decisions)
    returned = the_return(reporting_year, kaneyama)
    services.review_return(
        user=secretariat,
        annual_return=returned,
        decisions=[
            services.Decision(line.key, services.RETURN, reason="確認してください")
            for line in returned.lines
            if line.figure.status == FigureStatus.SUBMITTED
        ],
    )
    ret = the_return(reporting_year, kaneyama)
    save(officer, ret, entries(ret, start=200, comment="見直し", versions=True))
    area = build_return(vision=vision, reporting_year=reporting_year, reporter=None)
    save(secretariat, area, entries(area, comment="圏域の値"), reason="事務局で入力")


def test_the_bulk_path_stores_exactly_what_the_figure_by_figure_path_stores(
    reporting_year, vision, kaneyama, kaneyama_officer, secretariat, monkeypatch
):
    def run(threshold):
        monkeypatch.setattr(services, "BULK_MIN_WRITES", threshold)
        with transaction.atomic():
            scenario(reporting_year, vision, kaneyama, kaneyama_officer, secretariat)
            result = snapshot()
            transaction.set_rollback(True)
        return result

    in_bulk, one_by_one = run(1), run(FIGURE_BY_FIGURE)
    assert in_bulk == one_by_one
    assert len(in_bulk[2]) > 2 * len(the_return(reporting_year, kaneyama).lines)


# --- refusals and failures ------------------------------------------------------------------------


def someone_else_saves_first(monkeypatch, *, line, user, amount):
    """A first entry of ``line`` by somebody else, committed after this save read the return
    (the race on PostgreSQL, played here inside the save's own transaction)."""
    read_return = services._lock_figures

    def read_then_the_other_saves(annual_return):
        read_return(annual_return)
        CostShare.objects.create(
            program_id=line.program.pk, municipality=annual_return.reporter,
            fiscal_year=2025, kind=line.kind, amount_kyen=amount, updated_by=user,
        )  # fmt: skip

    monkeypatch.setattr(services, "_lock_figures", read_then_the_other_saves)


def middle_share(ret):
    return ret.share_lines[len(ret.share_lines) // 2]


def test_a_conflict_in_the_middle_refuses_everything_with_the_precise_message(
    reporting_year, kaneyama, kaneyama_officer, secretariat, monkeypatch, bulk_results
):
    ret = the_return(reporting_year, kaneyama)
    items = entries(ret, comment="確認済み", versions=True)
    line = middle_share(ret)
    someone_else_saves_first(monkeypatch, line=line, user=secretariat, amount=100)

    with pytest.raises(services.ReturnRejected) as rejected:
        save(kaneyama_officer, ret, items)

    assert bulk_results == [False]  # tried in bulk, then figure by figure for the message
    [conflict] = [o for o in rejected.value.outcomes if o.conflict]
    assert conflict.line is line
    assert (
        f"t-secretariat さんが先に変更しました（現在の値: 100、あなたの入力: {conflict.entry.value}）"
        in conflict.errors[0]
    )
    assert figures_of(kaneyama) == []  # (the other's row was inside this transaction too)


def test_a_conflict_while_confirming_an_import_is_shown_and_nothing_is_saved(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat, monkeypatch, bulk_results
):
    client.force_login(kaneyama_officer)
    wb = workbook(client.get(return_url(KANEYAMA, 2025, "template")).content)
    ws = wb.worksheets[0]
    value = header_index(ws)["値（入力）"]
    for r in range(2, ws.max_row + 1):
        ws.cell(r, value).value = r
    response = client.post(return_url(KANEYAMA, 2025, "upload"), {"file": xlsx_upload(wb)})
    preview = response["Location"]
    assert "エラー 0 件" in client.get(preview).content.decode()
    before = figures_snapshot()
    line = middle_share(the_return(reporting_year, kaneyama))
    someone_else_saves_first(monkeypatch, line=line, user=secretariat, amount=100)

    confirm = client.post(preview, {"confirm": "1"})

    assert confirm.status_code == 409
    assert bulk_results == [False]
    # (The page shows the figures as they are after the rollback, which here removed the
    # other's row too: tests/concurrency/test_bulk_postgres.py plays the real race.)
    assert "保存できない値があります。 何も保存していません。" in confirm.content.decode()
    assert figures_snapshot() == before


def test_a_failure_after_the_first_rows_were_written_leaves_nothing(
    reporting_year, kaneyama, kaneyama_officer, monkeypatch
):
    ret = the_return(reporting_year, kaneyama)
    save(kaneyama_officer, ret, entries(ret, comment="確認済み")[:25])  # some saved, some not yet
    before = (figures_snapshot(), CostShare.history.count(), KPIActual.history.count())

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away after the inserts")

    monkeypatch.setattr(services, "_update_each", fail)  # runs after the inserts
    again = the_return(reporting_year, kaneyama)
    with pytest.raises(RuntimeError):
        save(kaneyama_officer, again, entries(again, start=700, comment="確認済み", versions=True))

    assert (figures_snapshot(), CostShare.history.count(), KPIActual.history.count()) == before


def test_a_value_the_bulk_checks_refuse_is_refused_as_figure_by_figure(
    reporting_year, kaneyama, kaneyama_officer, monkeypatch, bulk_results
):
    """A figure that fails the checks in bulk is saved again figure by figure, which gives
    the same answer as without the bulk path (here: an amount beyond the column's range)."""
    ret = the_return(reporting_year, kaneyama)
    items = entries(ret, comment="確認済み")
    items[3] = Entry(items[3].key, Decimal(2**63))  # parse_entry_value would refuse it

    with pytest.raises(Exception) as in_bulk:
        save(kaneyama_officer, ret, items)
    monkeypatch.setattr(services, "BULK_MIN_WRITES", FIGURE_BY_FIGURE)
    with pytest.raises(Exception) as one_by_one:
        save(kaneyama_officer, the_return(reporting_year, kaneyama), items)

    assert bulk_results == [False]
    assert type(in_bulk.value) is type(one_by_one.value)
    assert str(in_bulk.value) == str(one_by_one.value)
    assert figures_of(kaneyama) == []
