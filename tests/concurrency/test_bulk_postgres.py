"""Two real concurrent imports on PostgreSQL, each saving a whole return in bulk.

The first transaction inserts its figures and holds until the second is seen waiting
for it (the unique constraint makes the second wait for the first's rows); then the
first commits, the second's bulk insert fails, and it saves figure by figure instead,
which refuses it with the first person's value, exactly as a single save would be.
"""

import threading
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connections

from municipalities.models import Municipality, Profile
from programs.models import CostShare
from returns import services
from returns.annual import Entry
from tests.concurrency.test_postgres_locking import WAIT, setup_data, waiting_for_a_lock  # noqa: F401
from tests.deploy.servers import on_postgres
from tests.factories import make_user
from tests.returns.helpers import the_return

# `make test-sqlite` deselects the postgres marker; run directly on SQLite, these skip.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not on_postgres(), reason="concurrent transactions need PostgreSQL"),
]


def whole_return(ret, start, *, reverse=False):
    """A first entry for every cost share line of the return (version 0: nothing saved yet)."""
    lines = ret.share_lines[::-1] if reverse else ret.share_lines
    return [Entry(line.key, Decimal(start + n), version=0) for n, line in enumerate(lines)]


class Importer(threading.Thread):
    """save_entries in its own thread (its own connection), from a return read beforehand."""

    def __init__(self, *, user, annual_return, entries, start=None):
        super().__init__(daemon=True)
        self.user, self.annual_return, self.entries = user, annual_return, entries
        self.start_together = start
        self.error = None

    def run(self):
        try:
            if self.start_together is not None:
                self.start_together.wait(WAIT)
            services.save_entries(
                user=self.user, annual_return=self.annual_return, entries=self.entries
            )
        except Exception as error:  # noqa: BLE001 - reported to the test
            self.error = error
        finally:
            connections.close_all()


@pytest.fixture
def holder(monkeypatch):
    """Lets one chosen thread hold its transaction open after its bulk write."""
    state = SimpleNamespace(thread=None, reached=threading.Event(), release=threading.Event())
    original = services._save_in_bulk

    def held(*args, **kwargs):
        result = original(*args, **kwargs)
        if threading.current_thread() is state.thread:
            state.reached.set()
            if not state.release.wait(WAIT):
                raise RuntimeError("the test never released the transaction")
        return result

    monkeypatch.setattr(services, "_save_in_bulk", held)
    return state


def stored(kaneyama):
    return CostShare.objects.filter(municipality=kaneyama, fiscal_year=2025).exclude(kind="plan")


def test_the_second_of_two_imports_at_once_waits_then_is_refused_with_the_first_value(
    setup_data,  # noqa: F811
    holder,
):
    year, kaneyama = setup_data["year"], setup_data["kaneyama"]
    ret = the_return(year, kaneyama)
    assert len(ret.share_lines) >= services.BULK_MIN_WRITES
    first = Importer(user=setup_data["officer"], annual_return=ret, entries=whole_return(ret, 100))
    other = the_return(year, kaneyama)
    second = Importer(
        user=setup_data["office"], annual_return=other, entries=whole_return(other, 500)
    )
    holder.thread = first
    first.start()
    try:
        assert holder.reached.wait(WAIT), "the first import never wrote its figures"
        second.start()
        for _ in range(WAIT * 10):
            if waiting_for_a_lock():
                break
            threading.Event().wait(0.1)
        else:
            pytest.fail("the second import never waited for the first one's rows")
    finally:
        holder.release.set()
        first.join(WAIT)
        second.join(WAIT)
    assert not first.is_alive() and not second.is_alive()

    assert first.error is None
    assert isinstance(second.error, services.ReturnRejected)
    [conflict] = [o for o in second.error.outcomes if o.conflict]
    assert (
        "t-officer-kaneyama さんが先に変更しました（現在の値: 100、あなたの入力: 500）"
        in (conflict.errors[0])
    )
    figures = stored(kaneyama)
    assert sorted(f.amount_kyen for f in figures) == list(range(100, 100 + len(ret.share_lines)))
    assert {(f.version, f.updated_by_id, f.history.count()) for f in figures} == {
        (1, setup_data["officer"].pk, 1)
    }


def test_many_imports_of_one_return_at_once_store_one_of_them_whole(setup_data):  # noqa: F811
    """Six imports from the same version, half of them listing the rows backwards: one is
    stored whole, the others are refused; no deadlock, no mix of two files."""
    year, kaneyama = setup_data["year"], setup_data["kaneyama"]
    users = [make_user(f"t-officer-{i}", Profile.Role.OFFICER, kaneyama) for i in range(6)]
    start = threading.Barrier(len(users))
    importers = []
    for i, user in enumerate(users):
        ret = the_return(year, kaneyama)
        entries = whole_return(ret, 1000 * (i + 1), reverse=i % 2 == 1)
        importers.append(Importer(user=user, annual_return=ret, entries=entries, start=start))
    for importer in importers:
        importer.start()
    for importer in importers:
        importer.join(WAIT)

    winners = [i for i in importers if i.error is None]
    losers = [i for i in importers if isinstance(i.error, services.ReturnRejected)]
    assert (len(winners), len(losers)) == (1, len(users) - 1), [i.error for i in importers]
    [winner] = winners
    figures = stored(Municipality.objects.get(pk=kaneyama.pk))
    assert {f.updated_by_id for f in figures} == {winner.user.pk}
    assert sorted(f.amount_kyen for f in figures) == sorted(e.value for e in winner.entries)
    assert all(f.history.count() == 1 for f in figures)
