"""The people of the load run: readers, the eight towns' officers, the secretariat, and the
freshness probe (an approval on one gunicorn server, read back on the other).

Every request is logged (``Log``) with its kind, when it was sent and when it was
answered, and whether its answer was the right one.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from html import unescape

from bench.loadrun.client import Browser, Result, form_inputs

YEAR = 2025
TOWNS = ["062057", "063614", "063622", "063631", "063649", "063657", "063665", "063673"]
READ_PATHS = [
    "/",
    "/plan/",
    "/agreement/",
    "/statistics/",
    "/kpis/",
    "/towns/",
    "/towns/063614/",
    "/towns/063657/",
    "/about/progress/",
    "/opendata/",
    "/opendata/kpi_actuals.json",
    "/opendata/budget_shares.csv",
    "/en/",
    "/en/kpis/",
]
CHANGELIST = "/admin/kpis/kpiactual/"
# The secretariat's list under load: the submitted actuals of the years before the
# officers' open year (the pool seeded for it), as it would filter the list.
SECRETARIAT_LIST = CHANGELIST + "?fiscal_year__lt=2025&status__exact=submitted"
_SHOWN_VERSION = re.compile(r'name="shown-version-(\d+)" value="(\d+)"')
_APPROVED_MESSAGE = re.compile(r"(\d+) 件を承認しました")
_NOT_APPROVED_MESSAGE = re.compile(r"(\d+) 件は[^<]*承認しませんでした")


@dataclass(frozen=True)
class Entry:
    kind: str  # who and what: "reader", "officer: save", "secretariat: approve", …
    started: float
    finished: float
    method: str
    path: str
    status: int | None
    error: str
    ok: bool
    cache: str  # X-Public-Cache of the answer: hit, miss, unavailable; "" if none


@dataclass
class Log:
    """Every request of one kind of client: when it was sent, its answer, whether it was right."""

    results: list[Entry] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, result: Result, ok: bool) -> None:
        entry = Entry(
            kind, result.started, result.finished, result.method, result.path, result.status,
            result.error, ok, result.headers.get("x-public-cache", ""),
        )  # fmt: skip
        with self.lock:
            self.results.append(entry)


# --- readers --------------------------------------------------------------------------


def reader(browser: Browser, deadline: float, log: Log, offset: int) -> None:
    i = offset
    while time.monotonic() < deadline:
        result = browser.get(READ_PATHS[i % len(READ_PATHS)])
        log.add("reader", result, result.status == 200)
        i += 1
    browser.close()


# --- logging in -------------------------------------------------------------------------------


def login(
    browser: Browser, username: str, password: str, following: str, who: str, log: Log,
    deadline: float,
) -> bool:  # fmt: skip
    """The admin's login form, as a person fills it in; True once logged in."""
    while time.monotonic() < deadline:
        page = browser.get("/admin/login/")
        log.add(f"{who}: login form", page, page.status == 200)
        if page.status != 200:
            time.sleep(0.5)
            continue
        token = form_inputs(page.body).get("csrfmiddlewaretoken", "")
        result = browser.post(
            "/admin/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": password,
                "next": following,
            },
        )
        ok = result.status == 302 and result.location.endswith(following)
        log.add(f"{who}: log in", result, ok)
        if ok:
            return True
        time.sleep(0.5)
    return False


# --- officers ------------------------------------------------------------------------------


@dataclass
class Officer:
    code: str
    rounds_confirmed: int = 0
    submitted: bool = False
    last_saved: dict[str, int] = field(default_factory=dict)  # line key → value last saved
    note: str = ""


def save_round(browser: Browser, officer: Officer, value_of, action: str, log: Log) -> bool:
    """Open the return, type a value into every line, post it with 「下書き保存」 (``save``).
    True when confirmed (302)."""
    path = f"/returns/{YEAR}/{officer.code}/"
    page = browser.get(path)
    log.add("officer: open return", page, page.status == 200)
    if page.status != 200:
        return False
    inputs = form_inputs(page.body)
    form = {"csrfmiddlewaretoken": inputs["csrfmiddlewaretoken"], "action": action}
    values = {}
    for name, current in inputs.items():
        if name.startswith(("ver-", "c-")):
            form[name] = current
        elif name.startswith("v-"):
            values[name[2:]] = value_of(name[2:])
    for line, value in values.items():
        form[f"v-{line}"] = str(value)
        form[f"c-{line}"] = "負荷試験の値"  # a comment keeps a value flagged for a check
    result = browser.post(path, form)
    if action == "submit":
        return _confirm_submission(browser, officer, path, result, values, log)
    ok = result.status == 302 and result.location.endswith(path)
    log.add(f"officer: {action}", result, ok)
    if ok:
        officer.last_saved.update(values)
    return ok


_CONFIRM_FORM = re.compile(r'<form method="post" action="([^"]+)" id="confirm-form"')
NOTHING_TO_SUBMIT = "提出できる値がありません"


def _confirm_submission(browser, officer: Officer, path, result: Result, values, log) -> bool:
    """「確認して提出する」 answered with the confirmation page; 「この内容で提出する」 on it.
    True when the submission is confirmed (302), or found made: a confirmation whose
    answer was lost, after which nothing is left to submit."""
    form_url = _CONFIRM_FORM.search(result.body) if result.status == 200 else None
    if form_url is None:
        made = (
            result.status == 200
            and NOTHING_TO_SUBMIT in result.body
            and officer.note == "a confirmation's answer was lost"
        )
        log.add("officer: submit (confirmation page)", result, made)
        return made
    log.add("officer: submit (confirmation page)", result, True)
    confirm_path = unescape(form_url.group(1))
    form = form_inputs(result.body[form_url.start() :])
    form["confirm"] = "1"
    confirmed = browser.post(confirm_path, form)
    ok = confirmed.status == 302 and confirmed.location.endswith(path)
    log.add("officer: submit (confirm)", confirmed, ok)
    if ok:
        officer.last_saved.update(values)
        officer.note = ""
    elif confirmed.status is None or confirmed.status >= 500:
        officer.note = "a confirmation's answer was lost"
    return ok


def officer_loop(browser, password, officer: Officer, rounds, stop_saving, deadline, log: Log):
    if not login(browser, f"officer-{officer.code}", password, "/returns/", "officer", log,
                 deadline):  # fmt: skip
        officer.note = "could not log in before the deadline"
        return
    seed = TOWNS.index(officer.code) * 1000
    while officer.rounds_confirmed < rounds and time.monotonic() < stop_saving:
        n = officer.rounds_confirmed + 1
        if save_round(browser, officer, lambda line, n=n: seed + n, "save", log):
            officer.rounds_confirmed = n
        else:
            time.sleep(0.5)  # then a fresh form: a request that failed is retried
    while not officer.submitted and time.monotonic() < deadline:
        # The values of the last confirmed round again: only the submission changes.
        same = officer.rounds_confirmed
        if save_round(browser, officer, lambda line, same=same: seed + same, "submit", log):
            officer.submitted = True
        else:
            time.sleep(0.5)
    if not officer.submitted:
        officer.note = "could not submit before the deadline"
    elif officer.note == "a confirmation's answer was lost":
        officer.note = "submitted; the confirmation's answer was lost, the return shows it made"
    browser.close()


# --- the secretariat -----------------------------------------------------------------------


def approve_form(body: str, pks: list[tuple[int, int]]) -> dict:
    """The changelist's form with these (pk, shown version) ticked and 「承認する」 chosen."""
    return {
        "csrfmiddlewaretoken": form_inputs(body)["csrfmiddlewaretoken"],
        "action": "approve_selected",
        "select_across": "0",
        "index": "0",
        "_selected_action": [str(pk) for pk, _ in pks],
        **{f"shown-version-{pk}": str(version) for pk, version in pks},
    }


@dataclass
class Secretariat:
    """The secretariat approving submitted figures, a few at a time, through nginx."""

    batch: int = 3
    logged_in: bool = False
    actions_confirmed: int = 0
    confirmed: set[int] = field(default_factory=set)  # in an action answered with 302
    uncertain: set[int] = field(default_factory=set)  # in an action whose answer was lost
    approved_by_message: int = 0  # the sum of 「N 件を承認しました。」 seen afterwards
    messages_lost: int = 0  # confirmed actions whose message the next list did not show
    message_pending_at_end: bool = False  # the last action's list was not read: run over
    not_approved_by_message: int = 0
    empty_lists: int = 0


def secretariat_loop(browser, password, state: Secretariat, deadline, log: Log) -> None:
    if not login(browser, "secretariat", password, "/admin/", "secretariat", log, deadline):
        return
    state.logged_in = True
    awaiting_message = False
    while time.monotonic() < deadline:
        page = browser.get(SECRETARIAT_LIST)
        log.add("secretariat: list", page, page.status == 200)
        if page.status != 200:
            time.sleep(0.5)
            continue
        if awaiting_message:
            # Messages not shown yet (a list that failed) come with the next page shown.
            found = _APPROVED_MESSAGE.findall(page.body)
            state.approved_by_message += sum(int(n) for n in found)
            if not found:
                state.messages_lost += 1
            for refused in _NOT_APPROVED_MESSAGE.findall(page.body):
                state.not_approved_by_message += int(refused)
            awaiting_message = False
        rows = [(int(pk), int(version)) for pk, version in _SHOWN_VERSION.findall(page.body)]
        if not rows:
            state.empty_lists += 1
            time.sleep(1)
            continue
        ticked = rows[: state.batch]
        result = browser.post(SECRETARIAT_LIST, approve_form(page.body, ticked))
        ok = result.status == 302 and CHANGELIST in result.location
        log.add("secretariat: approve", result, ok)
        pks = {pk for pk, _ in ticked}
        if ok:
            state.actions_confirmed += 1
            state.confirmed |= pks
            awaiting_message = True
        else:
            state.uncertain |= pks
            time.sleep(0.5)  # then the list again: what was approved is no longer on it
    state.message_pending_at_end = awaiting_message
    browser.close()


# --- freshness: approved on one server, read on the other -----------------------------------


@dataclass
class ProbeFigure:
    pk: int
    year: int
    value: int

    @property
    def shown(self) -> str:
        return f"{self.value:,}"  # as the public pages write it


def freshness_probe(
    figure: ProbeFigure, approver: Browser, reader_b: Browser, log: Log, page="/kpis/",
    limit: float = 15.0,
) -> dict:  # fmt: skip
    """Approve ``figure`` through server A's admin (``approver``, logged in as the
    secretariat), then read ``page`` on server B (``reader_b``) without pause until it
    shows the approved value. The caller makes sure no fault happens meanwhile.

    Measured from the moment A answered the approval: ``stale_seconds``, until the first
    read of B that showed the value was *sent* (any earlier read showed the old page; a
    few milliseconds when the first read already showed it: "at once"), and
    ``answered_seconds``, until that read was answered (adds B's rendering time)."""
    before = reader_b.get(page)  # B has served the page from before the approval
    log.add("direct: public page before", before, before.status == 200)
    listing = approver.get(f"{CHANGELIST}?fiscal_year={figure.year}&status__exact=submitted")
    log.add("direct: list", listing, listing.status == 200)
    versions = dict(_SHOWN_VERSION.findall(listing.body))
    if listing.status != 200 or str(figure.pk) not in versions:
        return {"error": f"figure {figure.pk} not on the list (HTTP {listing.status})"}
    approval = approver.post(
        f"{CHANGELIST}?fiscal_year={figure.year}&status__exact=submitted",
        approve_form(listing.body, [(figure.pk, int(versions[str(figure.pk)]))]),
    )
    ok = approval.status == 302
    log.add("direct: approve", approval, ok)
    if not ok:
        return {
            "error": f"approval answered {approval.status or approval.error}",
            "approval": "lost",
        }
    approved_at = approval.finished
    stale_reads = 0
    while time.monotonic() - approved_at < limit:
        result = reader_b.get(page)
        log.add("direct: public page after", result, result.status == 200)
        if result.status == 200 and figure.shown in result.body:
            return {
                "approval": "confirmed",
                "stale_seconds": round(result.started - approved_at, 3),
                "answered_seconds": round(result.finished - approved_at, 3),
                "stale_reads": stale_reads,
                "cache_before": before.headers.get("x-public-cache"),
                "value_on_b_before": figure.shown in before.body,
                "cache_fresh": result.headers.get("x-public-cache"),
            }
        if result.status == 200:
            stale_reads += 1
        else:
            time.sleep(0.05)
    return {
        "approval": "confirmed",
        "error": f"server B did not show {figure.shown} within {limit} s",
        "stale_reads": stale_reads,
    }
