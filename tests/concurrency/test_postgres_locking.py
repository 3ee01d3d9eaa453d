"""Two real concurrent transactions on PostgreSQL saving the same figure.

Each thread has its own database connection. The first transaction takes the row
lock (``select_for_update`` in ``returns.services``) and holds it until the second
is seen waiting for that lock in ``pg_stat_activity``; then the first commits and
the second, reading the row again under its lock, finds a newer version and is
refused with the first person's value. For a figure that does not exist yet there
is no row to lock: the unique constraint makes the second wait and fail, and it is
refused the same way. Either way exactly one value is stored, once.
"""

import threading
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection, connections

from municipalities.models import Municipality, Profile
from programs.models import CostShare
from returns import services
from returns.annual import Entry
from tests.constants import HEALTH, KANEYAMA
from tests.deploy.servers import on_postgres
from tests.factories import make_user
from tests.returns.helpers import open_year, program, share, the_return
from vision.models import Vision

# `make test-sqlite` deselects the postgres marker; run directly on SQLite, these skip.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not on_postgres(), reason="row locks need PostgreSQL"),
]

WAIT = 30  # seconds: a bound for a hung test, not a timing assertion


@pytest.fixture
def setup_data(django_db_blocker):
    # transaction=True tests start from an empty database: load the vision for them.
    from vision.loader import load_vision, read_fixtures

    plan, statistics = read_fixtures()
    load_vision(plan=plan, statistics=statistics)
    vision = Vision.objects.get(slug="shinjo-mogami-3")
    kaneyama = Municipality.objects.get(code=KANEYAMA)
    return {
        "year": open_year(vision),
        "kaneyama": kaneyama,
        "officer": make_user("t-officer-kaneyama", Profile.Role.OFFICER, kaneyama),
        "office": make_user("t-secretariat", Profile.Role.SECRETARIAT),
    }


def key():
    return f"budget-{program(HEALTH).pk}"


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.fixture
def holder(monkeypatch):
    """Lets one chosen thread hold its transaction open after a chosen step of the service."""
    state = SimpleNamespace(
        thread=None, step=None, reached=threading.Event(), release=threading.Event()
    )
    for step in ("_lock_figures", "_save"):
        original = getattr(services, step)

        def held(*args, _original=original, _step=step, **kwargs):
            result = _original(*args, **kwargs)
            if threading.current_thread() is state.thread and state.step == _step:
                state.reached.set()
                if not state.release.wait(WAIT):
                    raise RuntimeError("the test never released the transaction")
            return result

        monkeypatch.setattr(services, step, held)
    return state


class Saver(threading.Thread):
    """save_entries in its own thread (its own connection), from a return read beforehand."""

    def __init__(self, *, user, annual_return, value, version, start=None):
        super().__init__(daemon=True)
        self.user, self.annual_return = user, annual_return
        self.value, self.version = value, version
        self.start_together = start
        self.error = None

    def run(self):
        try:
            if self.start_together is not None:
                self.start_together.wait(WAIT)
            services.save_entries(
                user=self.user,
                annual_return=self.annual_return,
                entries=[Entry(key(), Decimal(self.value), version=self.version)],
            )
        except Exception as error:  # noqa: BLE001 - reported to the test
            self.error = error
        finally:
            connections.close_all()


def race(data, holder, *, existing: bool):
    """The officer and the secretariat save from the same version; the officer first.

    The officer's transaction holds after taking the row lock (existing figure) or after
    inserting the row (first entry) until the secretariat's is seen waiting for a lock.
    """
    year, kaneyama = data["year"], data["kaneyama"]
    if existing:
        services.save_entries(
            user=data["officer"],
            annual_return=the_return(year, kaneyama),
            entries=[Entry(key(), Decimal(50))],
        )
    version = 1 if existing else 0
    first = Saver(
        user=data["officer"], annual_return=the_return(year, kaneyama), value=100, version=version
    )
    second = Saver(
        user=data["office"], annual_return=the_return(year, kaneyama), value=200, version=version
    )
    holder.thread, holder.step = first, "_lock_figures" if existing else "_save"
    first.start()
    try:
        assert holder.reached.wait(WAIT), "the first transaction never got there"
        second.start()
        for _ in range(WAIT * 10):
            if waiting_for_a_lock():
                break
            threading.Event().wait(0.1)
        else:
            pytest.fail("the second transaction never waited for the first one's lock")
    finally:
        holder.release.set()
        first.join(WAIT)
        second.join(WAIT)
    assert not first.is_alive() and not second.is_alive()
    return first, second


def test_an_existing_figure_locked_by_one_transaction_makes_the_other_wait_then_refuses_it(
    setup_data, holder
):
    first, second = race(setup_data, holder, existing=True)
    assert first.error is None
    assert isinstance(second.error, services.ReturnRejected)
    [outcome] = second.error.outcomes
    assert outcome.conflict
    assert (
        "t-officer-kaneyama さんが先に変更しました（現在の値: 100、あなたの入力: 200）"
        in outcome.errors[0]
    )
    figure = share(program(HEALTH), setup_data["kaneyama"])
    assert (figure.amount_kyen, figure.version) == (100, 2)


def test_a_first_entry_saved_twice_at_once_is_stored_once_and_the_second_is_told(
    setup_data, holder
):
    first, second = race(setup_data, holder, existing=False)
    assert first.error is None
    assert isinstance(second.error, services.ReturnRejected)
    [outcome] = second.error.outcomes
    assert outcome.conflict
    assert (
        "t-officer-kaneyama さんが先に変更しました（現在の値: 100、あなたの入力: 200）"
        in outcome.errors[0]
    )
    rows = CostShare.objects.filter(
        program=program(HEALTH),
        municipality=setup_data["kaneyama"],
        fiscal_year=2025,
        kind="budget",
    )
    assert [(r.amount_kyen, r.version) for r in rows] == [(100, 1)]


def test_many_concurrent_saves_of_one_figure_lose_nothing_silently(setup_data):
    """Eight savers from the same version: one wins, seven are refused, one row, one value."""
    year, kaneyama = setup_data["year"], setup_data["kaneyama"]
    users = [make_user(f"t-officer-{i}", Profile.Role.OFFICER, kaneyama) for i in range(8)]
    start = threading.Barrier(8)
    savers = [
        Saver(
            user=u, annual_return=the_return(year, kaneyama), value=10 + i, version=0, start=start
        )
        for i, u in enumerate(users)
    ]
    for saver in savers:
        saver.start()
    for saver in savers:
        saver.join(WAIT)
    winners = [s for s in savers if s.error is None]
    losers = [s for s in savers if isinstance(s.error, services.ReturnRejected)]
    assert (len(winners), len(losers)) == (1, 7)
    figure = share(program(HEALTH), kaneyama)
    assert (figure.amount_kyen, figure.version) == (winners[0].value, 1)
    assert figure.history.count() == 1
    assert all(conflict_seen(s.error) for s in losers), [s.error for s in losers]


def conflict_seen(error) -> bool:
    return any(o.conflict for o in error.outcomes) or "ほかの人が同時に" in error.message
