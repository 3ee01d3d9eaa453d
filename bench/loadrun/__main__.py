"""The load run: ``python -m bench.loadrun`` under tests/with_postgres.sh (bench/loadrun/run.sh).

1. A fresh database in the throwaway PostgreSQL cluster: migrate, load the vision, the demo
   accounts (officer-<code> for each of the eight towns), an open reporting year.
2. gunicorn in production mode (DEBUG off, the deploy/ configuration) on 127.0.0.1.
3. For ``--seconds``: ``--readers`` threads read the public pages without pause, while the
   eight towns' officers each log in and save every figure of their annual return, round
   after round with new values, through the real form (CSRF, versions, comments); after
   their last round each submits. A request that fails is retried from a fresh form.
4. Halfway, ``pg_ctl restart -m fast`` restarts PostgreSQL under the running gunicorn.
5. Report: requests served, errors inside and outside the restart window, and a count check
   on the database: every figure each officer saved is stored exactly once, with the value
   last saved, submitted, with one history row per confirmed save.

Loopback only; every thread has a deadline; gunicorn is stopped and the database dropped at
the end (the cluster itself is removed by tests/with_postgres.sh).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import psycopg

from bench.loadrun.client import Browser, Result, form_inputs
from tests.deploy.servers import (
    base_env,
    fresh_postgres_database,
    gunicorn,
    manage_ok,
    on_postgres,
    prepare_database,
    production_env,
)

YEAR = 2025
DEMO_PASSWORD = "mogami-demo-2026"  # noqa: S105 - the demo accounts of a throwaway database
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


@dataclass(frozen=True)
class Entry:
    started: float
    finished: float
    method: str
    path: str
    status: int | None
    error: str
    ok: bool


@dataclass
class Log:
    """Every request of one kind of client: when it was sent, its answer, whether it was right."""

    results: list[Entry] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, result: Result, ok: bool) -> None:
        entry = Entry(
            result.started, result.finished, result.method, result.path, result.status,
            result.error, ok,
        )  # fmt: skip
        with self.lock:
            self.results.append(entry)


# --- readers --------------------------------------------------------------------------


def reader(base_url: str, paths: list[str], deadline: float, log: Log, offset: int) -> None:
    browser = Browser(base_url)
    i = offset
    while time.monotonic() < deadline:
        result = browser.get(paths[i % len(paths)])
        log.add(result, result.status == 200)
        i += 1


# --- officers ------------------------------------------------------------------------------


@dataclass
class Officer:
    code: str
    rounds_confirmed: int = 0
    submitted: bool = False
    last_saved: dict[str, int] = field(default_factory=dict)  # line key → value last saved
    note: str = ""


def login(browser: Browser, username: str, log: Log, deadline: float) -> bool:
    while time.monotonic() < deadline:
        page = browser.get("/admin/login/")
        log.add(page, page.status == 200)
        if page.status != 200:
            time.sleep(0.5)
            continue
        token = form_inputs(page.body).get("csrfmiddlewaretoken", "")
        result = browser.post(
            "/admin/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": DEMO_PASSWORD,
                "next": "/returns/",
            },
        )
        ok = result.status == 302 and result.location.endswith("/returns/")
        log.add(result, ok)
        if ok:
            return True
        time.sleep(0.5)
    return False


def save_round(browser: Browser, officer: Officer, value_of, action: str, log: Log) -> bool:
    """Open the return, type a value into every line, post it. True when confirmed (302)."""
    path = f"/returns/{YEAR}/{officer.code}/"
    page = browser.get(path)
    log.add(page, page.status == 200)
    if page.status != 200:
        return False
    inputs = form_inputs(page.body)
    form = {"csrfmiddlewaretoken": inputs["csrfmiddlewaretoken"], "action": action}
    values = {}
    for name, current in inputs.items():
        if name.startswith(("ver-", "c-")):
            form[name] = current
        elif name.startswith("v-"):
            line = name[2:]
            values[line] = value_of(line)
            form[name] = str(values[line])
            form[f"c-{line}"] = "負荷試験の値"  # a comment keeps any plausibility flag
    result = browser.post(path, form)
    ok = result.status == 302 and result.location.endswith(path)
    log.add(result, ok)
    if ok:
        officer.last_saved.update(values)
    return ok


def officer_loop(base_url, officer: Officer, rounds: int, stop_saving: float, deadline, log: Log):
    browser = Browser(base_url)
    if not login(browser, f"officer-{officer.code}", log, deadline):
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


# --- the database --------------------------------------------------------------------------


def pg_ctl(*args: str) -> None:
    data = os.environ["MOGAMI_PGDATA"]
    user = os.environ.get("MOGAMI_PGUSER")
    command = [*(["runuser", "-u", user, "--"] if user else []), "pg_ctl", "-D", data, "-w"]
    command += [*args, "-l", os.environ["MOGAMI_PGLOG"]]
    subprocess.run(  # noqa: S603 - fixed arguments, the cluster of tests/with_postgres.sh
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120
    )


def connect(url: str):
    config = dj_database_url.parse(url)
    return psycopg.connect(
        dbname=config["NAME"], user=config["USER"] or None, host=config["HOST"] or None,
        port=config["PORT"] or None, autocommit=True,
    )  # fmt: skip


SHARE_ROWS = """
SELECT s.program_id, s.kind, count(*), min(s.amount_kyen), max(s.amount_kyen),
       min(s.status), max(s.status),
       (SELECT count(*) FROM programs_historicalcostshare h WHERE h.id = min(s.id))
FROM programs_costshare s JOIN municipalities_municipality m ON m.id = s.municipality_id
WHERE m.code = %s AND s.fiscal_year = %s AND s.kind IN ('budget', 'settlement')
GROUP BY s.program_id, s.kind
"""
KPI_ROWS = """
SELECT a.kpi_id, count(*), min(a.value), max(a.value), min(a.status), max(a.status),
       (SELECT count(*) FROM kpis_historicalkpiactual h WHERE h.id = min(a.id))
FROM kpis_kpiactual a JOIN kpis_kpi k ON k.id = a.kpi_id
LEFT JOIN municipalities_municipality m ON m.id = a.municipality_id
WHERE a.fiscal_year = %s AND a.kpi_id = ANY(%s)
  AND ((k.is_sum_of_municipalities AND m.code = %s)
       OR (NOT k.is_sum_of_municipalities AND a.municipality_id IS NULL))
GROUP BY a.kpi_id
"""


def check_figures(url: str, officers: list[Officer]) -> dict:
    """Every saved figure stored exactly once, with the last value, submitted, full history."""
    problems: list[str] = []
    figures = 0
    with connect(url) as conn:
        for officer in officers:
            stored = {}
            for program, kind, count, low, high, s1, s2, history in conn.execute(
                SHARE_ROWS, (officer.code, YEAR)
            ):
                stored[f"{kind}-{program}"] = (count, low, high, s1, s2, history)
            kpi_ids = [int(k[4:]) for k in officer.last_saved if k.startswith("kpi-")]
            for kpi, count, low, high, s1, s2, history in conn.execute(
                KPI_ROWS, (YEAR, kpi_ids, officer.code)
            ):
                stored[f"kpi-{kpi}"] = (count, low, high, s1, s2, history)
            extra = set(stored) - set(officer.last_saved)
            if extra:
                problems.append(f"{officer.code}: rows nobody saved: {sorted(extra)}")
            expected_history = officer.rounds_confirmed + (1 if officer.submitted else 0)
            for line, value in officer.last_saved.items():
                figures += 1
                if line not in stored:
                    problems.append(f"{officer.code} {line}: lost (no row)")
                    continue
                count, low, high, s1, s2, history = stored[line]
                if count != 1:
                    problems.append(f"{officer.code} {line}: {count} rows")
                if not (low == high == value):
                    problems.append(f"{officer.code} {line}: stored {low}..{high}, saved {value}")
                status = "submitted" if officer.submitted else "draft"
                if not (s1 == s2 == status):
                    problems.append(f"{officer.code} {line}: status {s1}/{s2}, expected {status}")
                if history != expected_history:
                    problems.append(
                        f"{officer.code} {line}: {history} history rows, "
                        f"expected {expected_history} (saves + submission)"
                    )
    return {"figures": figures, "problems": problems}


# --- the report -----------------------------------------------------------------------------


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "unknown"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) // 1024 // 1024} GiB"
    postgres = subprocess.run(
        ["postgres", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    import django
    import gunicorn as gunicorn_package

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn_package.__version__,
        "postgres": postgres,
    }


def summarise(log: Log, window: tuple[float, float], began: float) -> dict:
    """Counts, latencies and errors; an error is inside the restart window when the request
    was in flight at any moment of it (sent before its end, answered after its start)."""
    start, end = window

    def during_restart(r: Entry) -> bool:
        return r.started <= end and r.finished >= start

    total = len(log.results)
    failed = sorted((r for r in log.results if not r.ok), key=lambda r: r.started)
    inside = [r for r in failed if during_restart(r)]
    outside = [r for r in failed if not during_restart(r)]
    statuses = Counter(r.status if r.status is not None else "no answer" for r in log.results)
    latencies = sorted(r.finished - r.started for r in log.results if r.ok)

    def percentile(p: float) -> float | None:
        return round(latencies[int(p * (len(latencies) - 1))], 3) if latencies else None

    return {
        "requests": total,
        "ok": total - len(failed),
        "errors_inside_restart_window": len(inside),
        "errors_outside_restart_window": len(outside),
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "latency_seconds": {"p50": percentile(0.5), "p95": percentile(0.95), "max": percentile(1)},
        "errors": [
            f"sent {r.started - began:6.2f}s answered {r.finished - began:6.2f}s "
            f"{r.method} {r.path}: {r.status or r.error}"
            for r in failed[:40]
        ],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.loadrun", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=int, default=60, help="length of the run (default 60)")
    parser.add_argument("--readers", type=int, default=16, help="reader threads (default 16)")
    parser.add_argument("--rounds", type=int, default=8, help="save rounds per officer (default 8)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument(
        "--grace", type=float, default=3.0,
        help="seconds after pg_ctl returns still counted as the restart window (default 3)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    parser.add_argument("--log", type=Path, help="keep gunicorn's log in this file")
    args = parser.parse_args(argv)
    if not (on_postgres() and os.environ.get("MOGAMI_PGDATA")):
        print("run me under tests/with_postgres.sh (bench/loadrun/run.sh)", file=sys.stderr)
        return 2

    root = Path(__file__).resolve().parent.parent.parent
    os.chdir(root)
    with fresh_postgres_database("mogami_loadrun") as url:
        print("preparing the database (migrate, load_vision, demo accounts)…", flush=True)
        prepare_database(url)
        manage_ok(
            "shell", "-c",
            "from vision.models import ReportingYear, Vision;"
            "ReportingYear.objects.update_or_create(vision=Vision.objects.current(),"
            f" fiscal_year={YEAR}, defaults={{'is_locked': False}})",
            env=base_env(DATABASE_URL=url),
        )  # fmt: skip
        static = Path(os.environ["MOGAMI_PGDATA"]).parent / "loadrun-static"
        env = production_env(
            url, static, SECURE_SSL_REDIRECT="false", TRUSTED_PROXY_COUNT="0",
            GUNICORN_LOG_LEVEL="warning",
            # The submissions' e-mails are made and kept in memory, not printed or sent.
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )  # fmt: skip
        env.pop("CSRF_TRUSTED_ORIGINS", None)
        manage_ok("collectstatic", "--noinput", "--verbosity", "0", env=env)
        log_file = Path(os.environ["MOGAMI_PGDATA"]).parent / "loadrun-gunicorn.log"
        with gunicorn(env, log_file, workers=args.workers) as server:
            report = run(server.url, url, args)
        server_log = log_file.read_text(errors="replace")
        if args.log:
            args.log.write_text(server_log)
        report["server_log_errors"] = [
            line for line in server_log.splitlines() if " ERROR " in line or "Error:" in line
        ][:20]
    report["machine"] = machine()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    passed = (
        report["readers"]["errors_outside_restart_window"] == 0
        and report["officers"]["errors_outside_restart_window"] == 0
        and not report["figures"]["problems"]
        and all(o["submitted"] for o in report["officers"]["towns"])
    )
    print("LOADRUN", "PASSED" if passed else "FAILED")
    return 0 if passed else 1


def run(base_url: str, database_url: str, args) -> dict:
    began = time.monotonic()
    deadline = began + args.seconds
    stop_saving = deadline - max(5, args.seconds // 6)  # leave time to submit
    readers_log, officers_log = Log(), Log()
    officers = [Officer(code) for code in TOWNS]
    threads = [
        threading.Thread(
            target=reader, args=(base_url, READ_PATHS, deadline, readers_log, i), daemon=True
        )
        for i in range(args.readers)
    ] + [
        threading.Thread(
            target=officer_loop,
            args=(base_url, o, args.rounds, stop_saving, deadline, officers_log),
            daemon=True,
        )
        for o in officers
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, began + args.seconds / 2 - time.monotonic()))
    print("restarting PostgreSQL (pg_ctl restart -m fast)…", flush=True)
    restart_began = time.monotonic()
    pg_ctl("restart", "-m", "fast")
    restart_ended = time.monotonic()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + 60)
    alive = sum(thread.is_alive() for thread in threads)
    window = (restart_began, restart_ended + args.grace)
    report = {
        "seconds": args.seconds,
        "readers_threads": args.readers,
        "gunicorn_workers": args.workers,
        "restart": {
            "at_second": round(restart_began - began, 2),
            "window": f"{window[0] - began:.2f}s – {window[1] - began:.2f}s",
            "pg_ctl_took_seconds": round(restart_ended - restart_began, 2),
            "window_seconds": round(window[1] - window[0], 2),
        },
        "threads_still_running": alive,
        "readers": summarise(readers_log, window, began),
        "officers": summarise(officers_log, window, began),
    }
    answered_after = [
        r.finished for r in readers_log.results + officers_log.results
        if r.ok and r.started >= restart_ended
    ]  # fmt: skip
    report["restart"]["first_success_after_pg_ctl_seconds"] = (
        round(min(answered_after) - restart_ended, 2) if answered_after else None
    )
    report["readers"]["requests_per_second"] = round(
        report["readers"]["requests"] / args.seconds, 1
    )
    report["officers"]["towns"] = [
        {
            "code": o.code,
            "rounds_confirmed": o.rounds_confirmed,
            "submitted": o.submitted,
            "figures": len(o.last_saved),
            **({"note": o.note} if o.note else {}),
        }
        for o in officers
    ]
    report["figures"] = check_figures(database_url, officers)
    return report


if __name__ == "__main__":
    sys.exit(main())
