"""The load run on the production stack, failed on purpose: ``python -m bench.loadrun``
under tests/with_postgres.sh (bench/loadrun/run.sh). See bench/LOADRUN.md.

1. A fresh database in the throwaway PostgreSQL cluster: migrate, load the vision, the
   accounts (officer-<code> for each of the eight towns, secretariat), an open reporting
   year, and the figures the secretariat will approve (submitted KPI actuals of the years
   before it) plus one per freshness probe.
2. The production stack: redis-server (tests/deploy/redis_server.py), two gunicorn
   servers with deploy/gunicorn.conf.py and the production settings (REDIS_URL), and
   nginx with deploy/nginx.conf in front of both (tests/deploy/nginx_server.py).
3. For ``--seconds``, through nginx (HTTPS, the site's host name): ``--readers`` threads
   read the public pages and open data without pause; the eight towns' officers each log
   in and save every figure of their annual return, round after round, then submit; the
   secretariat approves submitted figures a few at a time with the admin's list action.
4. Meanwhile, on a schedule: PostgreSQL restarted (``pg_ctl restart -m fast``), Redis
   stopped and started again (empty), one gunicorn server killed (SIGKILL to its master
   and workers) and started again later; and the freshness probe: an approval made on one
   gunicorn server directly, then the other server read directly until its public page
   shows the approved value.
5. Report: errors inside each fault's window and outside all of them, latency per page
   and per kind of request, the freshness figures, and the count check on the database.

Loopback only; every thread has a deadline; every process started is stopped at the
end, and the database dropped (the cluster itself is removed by tests/with_postgres.sh).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.loadrun import checks
from bench.loadrun.client import Browser
from bench.loadrun.stack import AppServer, pg_ctl, versions
from bench.loadrun.traffic import (
    TOWNS,
    YEAR,
    Log,
    Officer,
    ProbeFigure,
    Secretariat,
    freshness_probe,
    login,
    officer_loop,
    reader,
    secretariat_loop,
)
from tests.deploy.nginx_server import HOST, nginx
from tests.deploy.redis_server import RedisServer
from tests.deploy.servers import (
    SITE_PASSWORD,
    base_env,
    fresh_postgres_database,
    manage_ok,
    on_postgres,
    prepare_database,
    production_env,
)

# The accounts' password: production refuses the demo password of `make run`
# (core.security), so tests/deploy/servers.prepare_database gives every account this one.
PASSWORD = SITE_PASSWORD
OPEN_YEAR = (
    "from vision.models import ReportingYear, Vision;"
    "ReportingYear.objects.update_or_create(vision=Vision.objects.current(),"
    f" fiscal_year={YEAR}, defaults={{'is_locked': False}})"
)
# Submitted KPI actuals (area values, municipality empty) of years before the open year,
# for the secretariat to approve under load; and one per freshness probe, of a year after
# every other (the KPI list shows a KPI's latest approved value), each value unique.
SEED = """
import json
from decimal import Decimal
from core.models import FigureStatus
from kpis.models import KPI, KPIActual
kpis = list(KPI.objects.filter(is_sum_of_municipalities=False).order_by("pk"))
taken = set(KPIActual.objects.filter(municipality__isnull=True).values_list("kpi_id", "fiscal_year"))
pool = []
for year in range(2024, 1990, -1):
    for kpi in kpis:
        if len(pool) < {pool} and (kpi.pk, year) not in taken:
            pool.append(KPIActual.objects.create(
                kpi=kpi, fiscal_year=year, value=Decimal(700001 + len(pool)),
                status=FigureStatus.SUBMITTED,
            ).pk)
probe_kpi = KPI.objects.get(name="年間事業開催数")
probes = []
for i in range({probes}):
    year = 2030 + i
    value = 90000 + year
    actual = KPIActual.objects.create(
        kpi=probe_kpi, fiscal_year=year, value=Decimal(value), status=FigureStatus.SUBMITTED
    )
    probes.append([actual.pk, year, value])
print(json.dumps({{"pool": pool, "probes": probes}}))
"""
# When the freshness probe runs, as fractions of the run: between the faults' windows.
PROBES_AT = [0.08, 0.18, 0.36, 0.60, 0.66, 0.90]
FAULTS_AT = {"postgres": 0.25, "redis": 0.50, "gunicorn": 0.75}


@dataclass
class Window:
    """A fault's window: an error counts as inside when its request was in flight at any
    moment between ``start`` and ``end`` (the fault's end plus the grace)."""

    name: str
    start: float
    end: float
    details: dict = field(default_factory=dict)

    def covers(self, entry) -> bool:
        return entry.started <= self.end and entry.finished >= self.start


# --- summaries -------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    """Nearest rank of sorted ``values`` (seconds, rounded to the millisecond)."""
    return round(values[round(p * (len(values) - 1))], 3) if values else None


def summarise(log: Log, windows: list[Window], began: float, group_by: str) -> dict:
    """Counts, latency per group (``path`` or ``kind``), errors inside each window and
    outside all of them."""
    entries = log.results
    failed = sorted((r for r in entries if not r.ok), key=lambda r: r.started)
    inside: dict[str, int] = {w.name: 0 for w in windows}
    outside = []
    for r in failed:
        window = next((w for w in windows if w.covers(r)), None)
        if window:
            inside[window.name] += 1
        else:
            outside.append(r)
    groups: dict[str, list] = {}
    for r in entries:
        groups.setdefault(getattr(r, group_by), []).append(r)
    latency = {}
    for name, rows in groups.items():
        times = sorted(r.finished - r.started for r in rows if r.ok)
        latency[name] = {
            "requests": len(rows),
            "errors": sum(not r.ok for r in rows),
            "p50": percentile(times, 0.50),
            "p99": percentile(times, 0.99),
            "max": percentile(times, 1.0),
        }
    statuses = Counter(r.status if r.status is not None else "no answer" for r in entries)
    cache = {"all": dict(Counter(r.cache for r in entries if r.cache))}
    for w in windows:
        cache[w.name] = dict(Counter(r.cache for r in entries if r.cache and w.covers(r)))

    def label(r) -> str:
        window = next((w.name for w in windows if w.covers(r)), "OUTSIDE")
        return (
            f"[{window}] sent {r.started - began:6.2f}s answered {r.finished - began:6.2f}s "
            f"{r.kind}: {r.method} {r.path}: {r.status or r.error}"
        )

    return {
        "requests": len(entries),
        "ok": len(entries) - len(failed),
        "errors_inside": inside,
        "errors_outside": len(outside),
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "public_cache": cache if cache["all"] else None,
        "latency_seconds": latency,
        "errors_outside_list": [label(r) for r in outside[:40]],
        "errors_inside_list": [label(r) for r in failed if r not in outside][:40],
    }


def utc(timestamp: float) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(timestamp)) + f".{int(timestamp % 1 * 10)}"


def machine() -> dict:
    def run(*command: str) -> str:
        return subprocess.run(  # noqa: S603 - fixed commands
            command, capture_output=True, text=True, check=False
        ).stdout.strip()

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "unknown"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) // 1024 // 1024} GiB"
    return {
        "cpu": cpu,
        "nproc": run("nproc"),
        "memory": memory,
        "uname": run("uname", "-a"),
        "python": platform.python_version(),
        **versions(),
    }


# --- the run ----------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.loadrun", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=int, default=90, help="length of the run (default 90)")
    parser.add_argument("--readers", type=int, default=16, help="reader threads (default 16)")
    parser.add_argument("--rounds", type=int, default=8, help="save rounds per officer (default 8)")
    parser.add_argument(
        "--workers", type=int, default=2, help="workers per gunicorn server (default 2)"
    )
    parser.add_argument(
        "--pool", type=int, default=400,
        help="submitted figures seeded for the secretariat to approve (default 400)",
    )  # fmt: skip
    parser.add_argument(
        "--grace", type=float, default=3.0,
        help="seconds after a fault has ended still counted as its window (default 3)",
    )  # fmt: skip
    parser.add_argument(
        "--redis-down", type=float, default=2.0,
        help="seconds Redis stays stopped before it is started again (default 2)",
    )  # fmt: skip
    parser.add_argument(
        "--gunicorn-down", type=float, default=8.0,
        help="seconds the killed gunicorn server stays down before it is started again "
        "(default 8; its window is only the kill plus the grace: nginx must route around it)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    parser.add_argument(
        "--logs", type=Path,
        help="keep the servers' logs (gunicorn a and b, nginx, redis) in this folder "
        "(without it they are kept in a temporary folder only when the run fails)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if not (on_postgres() and os.environ.get("MOGAMI_PGDATA")):
        print("run me under tests/with_postgres.sh (bench/loadrun/run.sh)", file=sys.stderr)
        return 2
    # `timeout` (run.sh) ends the run with SIGTERM: unwind, so every server is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    root = Path(__file__).resolve().parent.parent.parent
    os.chdir(root)
    folder = Path(tempfile.mkdtemp(prefix="mogami-loadrun-"))
    report: dict = {}
    try:
        with fresh_postgres_database("mogami_loadrun") as url:
            report = setup_and_run(url, folder, args)
    finally:
        passed = verdict(report) if report else False
        keep = args.logs or (None if passed else Path(tempfile.mkdtemp(prefix="mogami-logs-")))
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            for log in folder.glob("*.log"):
                shutil.copy(log, keep / log.name)
            print(f"servers' logs kept in {keep}", flush=True)
        shutil.rmtree(folder, ignore_errors=True)
    report["machine"] = machine()
    print_summary(report)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print("LOADRUN", "PASSED" if passed else "FAILED")
    return 0 if passed else 1


def setup_and_run(url: str, folder: Path, args) -> dict:
    print("preparing the database (migrate, load_vision, accounts, figures)…", flush=True)
    prepare_database(url)
    manage_ok("shell", "-c", OPEN_YEAR, env=base_env(DATABASE_URL=url))
    seeded = json.loads(
        manage_ok(
            "shell", "-c", SEED.format(pool=args.pool, probes=len(PROBES_AT)),
            env=base_env(DATABASE_URL=url),
        ).splitlines()[-1]
    )  # fmt: skip
    probes = [ProbeFigure(*row) for row in seeded["probes"]]
    static = folder / "static"
    with ExitStack() as stack:
        redis_server = RedisServer()
        stack.callback(redis_server.remove)
        redis_server.start()
        env = production_env(
            url, static, REDIS_URL=redis_server.url,
            # The approvals' and submissions' e-mails are made and kept in memory.
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )  # fmt: skip
        manage_ok("collectstatic", "--noinput", "--verbosity", "0", env=env)
        servers = [AppServer(name, env, folder / f"gunicorn-{name}.log", args.workers)
                   for name in ("a", "b")]  # fmt: skip
        for server in servers:
            stack.callback(server.stop)
            server.start()
        print("starting nginx in front of gunicorn a and b…", flush=True)
        proxy = stack.enter_context(nginx(upstreams=[s.port for s in servers], static_root=static))
        try:
            report = run(proxy, servers, redis_server, probes, args)
        finally:
            for name in ("access.log", "error.log"):
                path = proxy.folder / name
                if path.exists():
                    shutil.copy(path, folder / f"nginx-{name}")
            if redis_server.log.exists():
                shutil.copy(redis_server.log, folder / "redis.log")
    report["figures"] = {
        "officers": checks.check_officers(url, report.pop("_officers")),
        "approvals": checks.check_approvals(
            url, seeded["pool"] + [p.pk for p in probes], *report.pop("_approved")
        ),
    }
    report["server_log_errors"] = server_errors(folder)
    return report


def server_errors(folder: Path) -> dict:
    """Error lines of each server's log (application errors, gunicorn's own, nginx's)."""
    found = {}
    for log in sorted(folder.glob("*.log")):
        if log.name == "nginx-access.log":
            continue
        lines = log.read_text(errors="replace").splitlines()
        errors = [
            line for line in lines
            if any(mark in line for mark in (" ERROR ", "[ERROR]", "[CRITICAL]", "Traceback",
                                              "[error]", "[crit]", "[alert]"))
        ]  # fmt: skip
        found[log.name] = {"count": len(errors), "first": errors[:15]}
        if log.name == "nginx-error.log":
            kinds = Counter(re.sub(r"^.*?\*\d+ ", "", line).split(" while ")[0] for line in errors)
            found[log.name]["kinds"] = dict(kinds)
    return found


def run(proxy, servers: list[AppServer], redis_server, probes: list[ProbeFigure], args) -> dict:
    # The probe's secretariat, logged in on each server directly before the load starts.
    probe_log = Log()
    direct = {s.name: Browser.direct(s.port) for s in servers}
    readers_b = {s.name: Browser.direct(s.port) for s in servers}
    for name, browser in direct.items():
        if not login(browser, "secretariat", PASSWORD, "/admin/", "direct", probe_log,
                     time.monotonic() + 60):  # fmt: skip
            raise RuntimeError(f"the secretariat could not log in on gunicorn {name}")

    began = time.monotonic()
    began_utc = time.time()
    deadline = began + args.seconds
    stop_saving = deadline - max(5, args.seconds // 6)  # leave time to submit
    readers_log, officers_log, secretariat_log = Log(), Log(), Log()
    officers = [Officer(code) for code in TOWNS]
    secretariat = Secretariat()
    threads = [
        threading.Thread(
            target=reader,
            args=(Browser.through_nginx(proxy, HOST), deadline, readers_log, i),
            daemon=True,
        )
        for i in range(args.readers)
    ]
    for i, officer in enumerate(officers):
        # Each officer's browser from an address of its own: nginx's login limit is per
        # address, as each town's office has its own.
        browser = Browser.through_nginx(proxy, HOST, source=f"127.0.0.{11 + i}")
        threads.append(
            threading.Thread(
                target=officer_loop,
                args=(browser, PASSWORD, officer, args.rounds, stop_saving, deadline, officers_log),
                daemon=True,
            )
        )
    threads.append(
        threading.Thread(
            target=secretariat_loop,
            args=(
                Browser.through_nginx(proxy, HOST, source="127.0.0.30"),
                PASSWORD,
                secretariat,
                deadline,
                secretariat_log,
            ),
            daemon=True,
        )
    )
    for thread in threads:
        thread.start()

    windows: list[Window] = []
    freshness: list[dict] = []
    probe_confirmed, probe_lost = set(), set()
    victim = servers[1]  # gunicorn b is the one killed, and started again later
    # A probe never overlaps a fault's window: each holds this lock for its whole length.
    quiet = threading.Lock()
    both_up = threading.Event()
    both_up.set()

    def wait_until(fraction: float) -> None:
        time.sleep(max(0.0, began + fraction * args.seconds - time.monotonic()))

    def restart_postgres() -> Window:
        start = time.monotonic()
        pg_ctl("restart", "-m", "fast")
        ended = time.monotonic()
        return Window("postgres", start, ended + args.grace,
                      {"pg_ctl_restart_took": round(ended - start, 2)})  # fmt: skip

    def restart_redis() -> Window:
        start = time.monotonic()
        redis_server.stop()
        stopped = time.monotonic()
        time.sleep(args.redis_down)
        redis_server.start()
        ended = time.monotonic()
        return Window("redis", start, ended + args.grace, {
            "stop_took": round(stopped - start, 2), "down_seconds": round(ended - stopped, 2),
        })  # fmt: skip

    def start_gunicorn_again(window: Window) -> None:
        start = time.monotonic()
        print(f"  starting gunicorn {victim.name} again at {start - began:.1f}s…", flush=True)
        took = victim.start()
        window.details["down_seconds"] = round(start - window.start, 2)
        window.details["started_again_at_second"] = round(start - began, 2)
        window.details["listening_after_seconds"] = round(took, 2)
        both_up.set()

    def kill_gunicorn() -> Window:
        both_up.clear()
        start = time.monotonic()
        killed = victim.kill()
        ended = time.monotonic()
        window = Window("gunicorn", start, ended + args.grace, {
            "server": victim.name, "processes_killed": len(killed),
        })  # fmt: skip
        timer = threading.Timer(args.gunicorn_down, start_gunicorn_again, [window])
        timer.start()
        threads.append(timer)
        return window

    faults = [
        ("postgres", "restarting PostgreSQL (pg_ctl restart -m fast)", restart_postgres),
        ("redis", "stopping Redis, then starting it again (empty)", restart_redis),
        ("gunicorn", f"SIGKILL to gunicorn {victim.name}'s master and workers", kill_gunicorn),
    ]

    def probe(i: int) -> None:
        a, b = (servers[0], servers[1]) if i % 2 == 0 else (servers[1], servers[0])
        started = time.monotonic()
        try:
            result = freshness_probe(probes[i], direct[a.name], readers_b[b.name], probe_log)
        except Exception as error:  # noqa: BLE001 - reported as the probe's result
            result = {"error": f"{type(error).__name__}: {error}", "approval": "lost"}
        (probe_confirmed if result.get("approval") == "confirmed" else probe_lost).add(probes[i].pk)
        freshness.append({
            "at_second": round(started - began, 2), "approved_on": a.name, "read_on": b.name,
            "page": "/kpis/", "value": probes[i].shown, **result,
        })  # fmt: skip

    def prober() -> None:
        for i, at in enumerate(PROBES_AT):
            wait_until(at)
            while True:  # both servers up, and no fault until the probe has ended
                both_up.wait(timeout=120)
                with quiet:
                    if both_up.is_set():
                        probe(i)
                        break

    probe_thread = threading.Thread(target=prober, daemon=True)
    probe_thread.start()
    for name, what, action in faults:
        wait_until(FAULTS_AT[name])
        with quiet:  # a probe in progress finishes first
            print(f"fault at {time.monotonic() - began:.1f}s: {what}…", flush=True)
            window = action()
            windows.append(window)
            time.sleep(max(0.0, window.end - time.monotonic()))

    probe_thread.join(max(0.0, deadline - time.monotonic()) + 120)
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + 60)
    alive = sum(thread.is_alive() for thread in [*threads, probe_thread])

    measured = [f["stale_seconds"] for f in freshness if "stale_seconds" in f]
    report = {
        "seconds": args.seconds,
        "started_utc": utc(began_utc),
        "readers_threads": args.readers,
        "gunicorn_servers": len(servers),
        "workers_per_server": args.workers,
        "threads_still_running": alive,
        "windows": [
            {
                "fault": w.name,
                "at_second": round(w.start - began, 2),
                "window": f"{w.start - began:.2f}s – {w.end - began:.2f}s",
                "utc": f"{utc(began_utc + w.start - began)} – {utc(began_utc + w.end - began)}",
                **w.details,
            }
            for w in windows
        ],
        "readers": summarise(readers_log, windows, began, "path"),
        "officers": summarise(officers_log, windows, began, "kind"),
        "secretariat": summarise(secretariat_log, windows, began, "kind"),
        "direct": summarise(probe_log, windows, began, "kind"),
        "freshness": {
            "probes": freshness,
            "measured": len(measured),
            "max_stale_seconds": max(measured) if measured else None,
            "max_answered_seconds": max(
                (f["answered_seconds"] for f in freshness if "answered_seconds" in f),
                default=None,
            ),
        },
    }
    report["readers"]["requests_per_second"] = round(len(readers_log.results) / args.seconds, 1)
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
    report["secretariat"]["approvals"] = {
        "logged_in": secretariat.logged_in,
        "actions_confirmed": secretariat.actions_confirmed,
        "figures_confirmed": len(secretariat.confirmed),
        "figures_in_actions_whose_answer_was_lost": len(secretariat.uncertain),
        "approved_according_to_messages": secretariat.approved_by_message,
        "refused_according_to_messages": secretariat.not_approved_by_message,
        "messages_not_seen": secretariat.messages_lost,
        "last_message_not_read_run_over": secretariat.message_pending_at_end,
        "empty_lists": secretariat.empty_lists,
    }
    report["_officers"] = officers
    report["_approved"] = (
        secretariat.confirmed | probe_confirmed,
        (secretariat.uncertain | probe_lost) - (secretariat.confirmed | probe_confirmed),
    )
    return report


# --- verdict and summary ---------------------------------------------------------------------

CLIENTS = ("readers", "officers", "secretariat", "direct")


def verdict(report: dict) -> bool:
    """Zero errors outside the windows, every town submitted, the count check clean, every
    freshness probe measured with the other server stale for at most 1 s."""
    freshness = report["freshness"]
    return (
        all(report[c]["errors_outside"] == 0 for c in CLIENTS)
        and all(o["submitted"] for o in report["officers"]["towns"])
        and not report["figures"]["officers"]["problems"]
        and not report["figures"]["approvals"]["problems"]
        and report["secretariat"]["approvals"]["figures_confirmed"] > 0
        and freshness["measured"] == len(freshness["probes"]) > 0
        and freshness["max_stale_seconds"] <= 1.0
        and report["threads_still_running"] == 0
    )


def print_summary(report: dict) -> None:
    if "readers" not in report:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    out = []
    out.append(
        f"\n{report['seconds']} s, {report['readers_threads']} readers, 8 officers, the "
        f"secretariat; {report['gunicorn_servers']} gunicorn servers × "
        f"{report['workers_per_server']} workers behind nginx, Redis, PostgreSQL"
    )
    out.append("\nFault windows:")
    for w in report["windows"]:
        details = ", ".join(f"{k} {v}" for k, v in w.items() if k not in ("fault", "window"))
        out.append(f"  {w['fault']:9} {w['window']}  ({details})")
    names = [w["fault"] for w in report["windows"]]
    out.append("\nErrors | " + " | ".join(f"in {n}" for n in names) + " | OUTSIDE | requests")
    for client in CLIENTS:
        s = report[client]
        inside = " | ".join(str(s["errors_inside"].get(n, 0)) for n in names)
        out.append(f"  {client:12} | {inside} | {s['errors_outside']} | {s['requests']}")
    for client in CLIENTS:
        out.append(f"\nLatency, {client} (requests, errors, p50 / p99 / max s):")
        for name, row in report[client]["latency_seconds"].items():
            out.append(
                f"  {name:32} {row['requests']:6} {row['errors']:4}  "
                f"{row['p50']} / {row['p99']} / {row['max']}"
            )
    out.append(f"\nReaders: {report['readers']['requests_per_second']} requests/s")
    for client in CLIENTS:
        if report[client]["public_cache"]:
            out.append(f"  X-Public-Cache, {client}: {report[client]['public_cache']}")
    for client in CLIENTS:
        for line in report[client]["errors_outside_list"]:
            out.append(f"  ERROR OUTSIDE: {line}")
    out.append("\nOfficers:")
    for town in report["officers"]["towns"]:
        out.append(f"  {town}")
    out.append(f"\nSecretariat: {report['secretariat']['approvals']}")
    out.append("\nFreshness (approved on one server directly, read on the other directly):")
    for probe in report["freshness"]["probes"]:
        out.append(f"  {probe}")
    out.append(
        f"  max: stale {report['freshness']['max_stale_seconds']} s, "
        f"answered {report['freshness']['max_answered_seconds']} s"
    )
    for name, check in report["figures"].items():
        summary = {k: v for k, v in check.items() if k != "problems"}
        out.append(f"\nCount check, {name}: {summary}, problems: {len(check['problems'])}")
        for problem in check["problems"][:30]:
            out.append(f"  PROBLEM: {problem}")
    out.append("\nServer logs, error lines:")
    for name, found in report["server_log_errors"].items():
        out.append(f"  {name}: {found['count']} {found.get('kinds', '')}")
        for line in found["first"][:5]:
            out.append(f"    {line[:300]}")
    out.append(f"\nMachine: {report['machine']}")
    print("\n".join(out), flush=True)


if __name__ == "__main__":
    sys.exit(main())
