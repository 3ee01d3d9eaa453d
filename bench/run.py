"""`make bench`: the public site under load at 1× and 130× data, cached and uncached,
on SQLite and on PostgreSQL.

1. Data: the synthetic data at 1× and 130× (bench/synthetic.py, seed 7; 130 areas, about
   as many as Japan's 定住自立圏). SQLite: files made once and kept in bench/out/
   (git-ignored) until the generator or the migrations change. PostgreSQL: a throwaway
   cluster (bench/postgres.py: PostgreSQL's own binaries, a Unix socket in a temporary
   folder, run as the `postgres` user when we are root, stopped and deleted at the end)
   with one database per scale, made by the same generator with the same seed; the
   figures' timestamps are one fixed moment (--fixed-time), so both serve the same bytes.
2. Check: in one process per database (Django's test client, no page cache), each
   page's status, number of queries and body (length and SHA-256); SQLite and
   PostgreSQL must agree on all of them.
3. Servers: `make serve PORT=…` (gunicorn, production settings, DEBUG off, WhiteNoise,
   persistent database connections DB_CONN_MAX_AGE=60 as in .env.example) on
   127.0.0.1 for each database and scale, with the public page cache on and off
   (PUBLIC_PAGE_CACHE=false), plus one on SQLite with gunicorn's production worker
   recycling left on (the others set GUNICORN_MAX_REQUESTS=0 so that memory growth
   per request would show).
4. Load: wrk against a static file, the top page, a program page, the KPI table,
   the area statistics and an open-data CSV; rounds interleave every page on every
   server, with a pause between runs. Requests per second, p50/p99 latency, errors;
   each page's throughput as a share of the static file's on the same server in the
   same round; 130× as a share of 1×; PostgreSQL as a share of SQLite; worker memory
   (RSS) after warm-up and after each round.
5. The 10,000-row spreadsheet import (bench/imports.py, SQLite) and the progress
   report (each database and scale).

Everything it starts is stopped at the end, also on Ctrl-C or an error. The tables
go to bench/out/results.md and .json and into bench/RESULTS.md between the
generated-results markers; the reading of the figures in RESULTS.md is written
by hand.

    .venv/bin/python -m bench.run [--db sqlite|postgres|both] [--rounds 3] [--duration 4]
                                  [--skip-import] [--scales 1,130] [--no-results-md]
"""

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path

from bench import postgres as bench_postgres

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable
SEED = 7
SCALES = (1, 130)  # 130 partnership areas: about as many as Japan's 定住自立圏
DATABASES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
MODES = ("cached", "uncached")
PAGES = [
    ("static", "static file (site.css)"),
    ("top", "top page /"),
    ("program", "program page"),
    ("kpis", "KPI table /kpis/"),
    ("statistics", "area statistics /statistics/"),
    ("csv", "open data kpi_actuals.csv"),
]
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
PROGRAM_NAME = "最上地域農業・畜産振興事業"


# --- data ------------------------------------------------------------------------------------


def _stamp() -> str:
    """Changes when the generator, the loader, the fixtures or a migration changes."""
    digest = hashlib.sha256()
    files = [ROOT / "bench" / "synthetic.py", ROOT / "vision" / "loader.py"]
    files += sorted((ROOT / "fixtures" / "vision").glob("*.json"))
    files += sorted(ROOT.glob("*/migrations/*.py"))
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ENV"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "false"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _generate(url: str, scale: int) -> float:
    """migrate + bench.synthetic into the (empty) database at ``url``; seconds taken."""
    env = _env(DATABASE_URL=url)
    start = time.monotonic()
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [PY, "-m", "bench.synthetic", "--scale", str(scale), "--seed", str(SEED), "--fixed-time"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - start


def sqlite_database(scale: int, made: dict) -> str:
    path = OUT / f"db-{scale}x.sqlite3"
    stamp = path.with_suffix(".stamp")
    wanted = f"{_stamp()} seed={SEED} fixed-time"
    if path.exists() and stamp.exists() and stamp.read_text() == wanted:
        print(f"· data SQLite {scale}×: {path.name} (kept)")
        made[f"SQLite {scale}×"] = "kept from an earlier run"
        return f"sqlite:///{path}"
    for old in OUT.glob(f"db-{scale}x.sqlite3*"):
        old.unlink()
    seconds = _generate(f"sqlite:///{path}", scale)
    stamp.write_text(wanted)
    print(f"· data SQLite {scale}×: made in {seconds:.0f} s")
    made[f"SQLite {scale}×"] = f"made in {seconds:.0f} s"
    return f"sqlite:///{path}"


def postgres_database(cluster, scale: int, made: dict) -> str:
    url = cluster.create_database(f"bench_{scale}x")
    seconds = _generate(url, scale)
    print(f"· data PostgreSQL {scale}×: made in {seconds:.0f} s")
    made[f"PostgreSQL {scale}×"] = f"made in {seconds:.0f} s"
    return url


# The pages measured; {program} is the program page's id in that database.
PATHS = {
    "top": "/",
    "program": "/programs/{program}/",
    "kpis": "/kpis/",
    "statistics": "/statistics/",
    "csv": "/opendata/kpi_actuals.csv",
}

_PROBE = """
import hashlib, json, sys
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from programs.models import Program
program = (
    Program.objects.filter(name=sys.argv[1])
    .order_by("-item__category__policy_field__vision__edition", "pk")
    .values_list("pk", flat=True)
    .first()
)
client = Client()
pages = {}
for page, path in json.loads(sys.argv[2]).items():
    path = path.format(program=program)
    client.get(path)  # a worker's first request fills its per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    pages[page] = {
        "path": path,
        "status": response.status_code,
        "queries": len(queries),
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest()[:16],
    }
print(json.dumps({"program": program, "pages": pages}))
"""


def probe(url: str) -> dict:
    """The program page's id, then each page's status, queries (the second request, as
    a warm worker serves it) and body, rendered without the page cache."""
    out = subprocess.run(
        [PY, "-c", _PROBE, PROGRAM_NAME, json.dumps(PATHS)],
        cwd=ROOT,
        env=_env(DATABASE_URL=url, PUBLIC_PAGE_CACHE="false"),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if out.returncode != 0:
        raise RuntimeError(f"probe of {url} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    db: str  # "sqlite" or "postgres"
    scale: int
    cached: bool
    recycle: bool = False
    port: int = 0
    process: subprocess.Popen | None = None
    paths: dict = field(default_factory=dict)
    rss_before: list = field(default_factory=list)
    rss_rounds: list = field(default_factory=list)  # after each round
    rss_after: list = field(default_factory=list)
    cache_check: str = ""
    bodies: dict = field(default_factory=dict)  # page → [bytes, sha256] as served

    @property
    def name(self) -> str:
        mode = "cached" if self.cached else "uncached"
        return f"{self.db}-{self.scale}x-{mode}" + ("-recycling" if self.recycle else "")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, database_url: str, log: Path) -> None:
        self.port = free_port()
        cache_dir = OUT / f"cache-{self.name}"
        shutil.rmtree(cache_dir, ignore_errors=True)
        env = _env(
            DATABASE_URL=database_url,
            DB_CONN_MAX_AGE=60,  # persistent connections, as .env.example and deploy/ say
            PUBLIC_PAGE_CACHE="true" if self.cached else "false",
            CACHE_DIR=cache_dir,
        )
        if not self.recycle:
            env["GUNICORN_MAX_REQUESTS"] = "0"
        with open(log, "w") as out:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "serve", f"PORT={self.port}"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole
            )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: make serve ended, see {log}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name}: not answering after 240 s, see {log}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def workers_rss_mb(self) -> list[float]:
        """RSS of each gunicorn worker (the children of the gunicorn master)."""
        if self.process is None:
            return []
        group = self.process.pid  # the session/process group leader is make
        procs = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            ppid, pgid = int(fields[1]), int(fields[2])
            if pgid != group or "gunicorn" not in cmdline or cmdline.startswith("/bin/sh"):
                continue  # make's shell carries gunicorn's command line too
            rss = re.search(r"VmRSS:\s+(\d+) kB", status)
            procs[int(entry.name)] = (ppid, int(rss.group(1)) / 1024 if rss else 0.0)
        return sorted(round(rss, 1) for pid, (ppid, rss) in procs.items() if ppid in procs)


def _get(url: str) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, dict(response.headers), response.read()


# --- load ------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, *, duration: int, connections: int, threads: int) -> dict:
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    )
    text = result.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", text).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", text).group(1))
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = {
        "connect": int(socket_errors.group(1)) if socket_errors else 0,
        "read": int(socket_errors.group(2)) if socket_errors else 0,
        "write": int(socket_errors.group(3)) if socket_errors else 0,
        "timeout": int(socket_errors.group(4)) if socket_errors else 0,
        "http": int(non_2xx.group(1)) if non_2xx else 0,
    }
    return {"rps": rps, "p50": p50, "p99": p99, "requests": requests, "errors": errors}


# --- machine -------------------------------------------------------------------------------


def machine(postgres_version: str = "") -> dict:
    def version(*cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"

    meminfo = Path("/proc/meminfo").read_text()
    total = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1)) // 1024
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    packages = subprocess.run(
        [PY, "-m", "pip", "list", "--format=json"], capture_output=True, text=True
    )
    wanted = {"django", "gunicorn", "whitenoise", "openpyxl", "django-simple-history", "psycopg"}
    versions = {
        p["name"]: p["version"]
        for p in json.loads(packages.stdout or "[]")
        if p["name"].lower() in wanted
    }
    return {
        "date": datetime.now().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu.group(1).strip() if cpu else platform.processor(),
        "memory_mb": total,
        "load_average_at_start": os.getloadavg(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": postgres_version,
        "wrk": version("wrk", "--version"),
        "packages": versions,
    }


# --- the hook for the annual progress report ------------------------------------------------


def progress_report(urls: dict) -> dict:
    """Time the annual progress report (fiscal year 2026) at each scale on each database.

    ``urls``: {(database, scale): DATABASE_URL}. For each, in a fresh process on that
    database: the content
    (``reports.report.build_report``), the Excel file (``reports.report_xlsx.render_xlsx``)
    and the PDF (``reports.pdf.report_pdf``: the template, then WeasyPrint), each timed
    on its own: the functions behind the admin's downloads, publishing and
    ``manage.py progress_report``. One run of each; the PDF's time includes
    WeasyPrint's first use of the fonts in that process, as a worker's first PDF does.
    Returns ``{"SQLite 1x content": "0.101", "SQLite 1x .xlsx": …, "SQLite 1x PDF": …,
    "PostgreSQL 130x content": …}`` in seconds, or for one that failed,
    ``{"PostgreSQL 130x": <the error's last line>}``.
    """
    code = (
        "import json, os, time\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "import django\n"
        "django.setup()\n"
        "from vision.models import Vision\n"
        "from reports.pdf import report_pdf\n"
        "from reports.report_xlsx import render_xlsx\n"
        "from reports.report import build_report\n"
        "vision = Vision.objects.current()\n"
        "seconds = {}\n"
        "start = time.perf_counter()\n"
        "report = build_report(vision=vision, fiscal_year=2026)\n"
        "seconds['content'] = time.perf_counter() - start\n"
        "start = time.perf_counter()\n"
        "render_xlsx(report)\n"
        "seconds['.xlsx'] = time.perf_counter() - start\n"
        "start = time.perf_counter()\n"
        "report_pdf(report)\n"
        "seconds['PDF'] = time.perf_counter() - start\n"
        "print(json.dumps(seconds))\n"
    )
    results = {}
    for (db, scale), url in urls.items():
        key = f"{DATABASES[db]} {scale}x"
        out = subprocess.run(
            [PY, "-c", code],
            cwd=ROOT,
            env=_env(DATABASE_URL=url),
            capture_output=True,
            text=True,
            timeout=600,
        )
        try:
            seconds = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            results[key] = (out.stderr.strip().splitlines() or ["no output"])[-1][-300:]
            continue
        for part, value in seconds.items():
            results[f"{key} {part}"] = f"{value:.3f}"
    return results


# --- the run ------------------------------------------------------------------------------------


def measure(servers, rounds: int, duration: int, pause: float, connections: int, threads: int):
    runs = []  # one entry per (round, server, page)
    for r in range(rounds):
        print(f"· round {r + 1}/{rounds}")
        # Each server's pages back to back, so a page and the static file it is
        # compared with share the machine's state; the servers take turns each round.
        order = servers[r % len(servers) :] + servers[: r % len(servers)]
        for server in order:
            for page, _label in PAGES:
                if server.recycle and page not in ("static", "top"):
                    continue
                result = wrk(
                    server.url + server.paths[page],
                    duration=duration,
                    connections=connections,
                    threads=threads,
                )
                runs.append({"round": r, "server": server.name, "page": page, **result})
                time.sleep(pause)
        for server in servers:
            server.rss_rounds.append(server.workers_rss_mb())
    return runs


def summarise(servers, runs, scales) -> dict:
    by = {}
    for run in runs:
        by.setdefault((run["server"], run["page"]), []).append(run)
    static = {(run["server"], run["round"]): run for run in runs if run["page"] == "static"}
    summary = {}
    for (name, page), items in by.items():
        ratios = [i["rps"] / static[(name, i["round"])]["rps"] for i in items]
        p99_ratios = [i["p99"] / static[(name, i["round"])]["p99"] for i in items]
        summary[f"{name} {page}"] = {
            "server": name,
            "page": page,
            "rps": statistics.median(i["rps"] for i in items),
            "p50": statistics.median(i["p50"] for i in items),
            "p99": statistics.median(i["p99"] for i in items),
            "errors": sum(sum(i["errors"].values()) for i in items),
            "http_errors": sum(i["errors"]["http"] for i in items),
            "requests": sum(i["requests"] for i in items),
            "vs_static": statistics.median(ratios),
            "p99_vs_static": statistics.median(p99_ratios),
        }
    small, big = scales[0], scales[-1]
    for db in DATABASES:
        for mode in MODES:
            for page, _label in PAGES:
                one = summary.get(f"{db}-{small}x-{mode} {page}")
                many = summary.get(f"{db}-{big}x-{mode} {page}")
                if one and many and big != small:
                    many["vs_1x"] = many["rps"] / one["rps"]
    return summary


def _pair(sqlite: dict | None, postgres: dict | None, key: str, fmt: str) -> str:
    """'SQLite / PostgreSQL' for one figure; – where a database was not measured."""
    cells = [format(s[key], fmt) if s and key in s else "–" for s in (sqlite, postgres)]
    return " / ".join(cells)


def table(summary, servers, imports, report, info, settings, probes, made) -> str:
    scales = settings["scale_list"]
    small, big = scales[0], scales[-1]
    lines = [
        f"Run {info['date']} on {info['nproc']} CPU ({info['cpu']}), {info['memory_mb']} MB, "
        f"{info['os']}; Python {info['python']}, SQLite {info['sqlite']}, "
        + (f"{info['postgres']}, " if info.get("postgres") else "")
        + ", ".join(f"{k} {v}" for k, v in sorted(info["packages"].items()))
        + f"; {info['wrk']}. Load average (1, 5, 15 min) before the load runs: "
        + " ".join(f"{x:.2f}" for x in info["load_average_at_start"])
        + ", after: "
        + " ".join(f"{x:.2f}" for x in info.get("load_average_at_end", ()))
        + ".",
        "",
        "Data (bench/synthetic.py, seed 7): "
        + "; ".join(f"{name} {how}" for name, how in made.items())
        + ".",
        "",
        f"wrk {settings['threads']} threads, {settings['connections']} connections, "
        f"{settings['duration']} s per run, {settings['rounds']} interleaved rounds (every "
        f"server, both databases, in each round), {settings['pause']} s pause; medians over "
        "the rounds. gunicorn: `make serve`, 3 sync workers, DB_CONN_MAX_AGE=60; SQLite in WAL "
        "mode; PostgreSQL a throwaway cluster with its default settings on a Unix socket "
        '(bench/postgres.py). Each cell is "SQLite / PostgreSQL". "× static": the page\'s '
        "requests per second divided by the static file's on the same server in the same "
        f'round; "{big}× ÷ {small}×": the page\'s requests per second at {big}× divided by '
        'its figure at 1×, same database and mode; "PG ÷ SQLite": PostgreSQL\'s requests per '
        "second divided by SQLite's, same page, data and mode.",
        "",
        "| page | data, mode | req/s SQLite | req/s PostgreSQL | PG ÷ SQLite | × static | "
        f"p50 ms | p99 ms | p99 ÷ static p99 | {big}× ÷ {small}× | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [(scale, mode, "") for scale in scales for mode in MODES]
    rows.append((small, "cached", "-recycling"))
    for scale, mode, suffix in rows:
        sqlite_server, postgres_server = (f"{db}-{scale}x-{mode}{suffix}" for db in DATABASES)
        for page, label in PAGES:
            s = summary.get(f"{sqlite_server} {page}")
            p = summary.get(f"{postgres_server} {page}")
            if s is None and p is None:
                continue
            versus = f"{p['rps'] / s['rps']:.2f}" if s and p else ""
            lines.append(
                f"| {label} | {scale}×, {mode}{', recycling' if suffix else ''} | "
                + (f"{s['rps']:.0f}" if s else "–")
                + " | "
                + (f"{p['rps']:.0f}" if p else "–")
                + f" | {versus} | {_pair(s, p, 'vs_static', '.2f')} | "
                f"{_pair(s, p, 'p50', '.1f')} | {_pair(s, p, 'p99', '.1f')} | "
                f"{_pair(s, p, 'p99_vs_static', '.2f')} | "
                + (_pair(s, p, "vs_1x", ".2f") if scale == big and big != small else "")
                + f" | {_pair(s, p, 'errors', 'd')} |"
            )
    lines += [
        "",
        "Same work on both databases: each page rendered without the page cache in one "
        "process per database (Django's test client, the second request, as a warm worker "
        "serves it): its queries and its body; and the body each server sent during the "
        "warm-up (SHA-256 compared).",
        "",
        "| page | data | queries SQLite / PG | bytes SQLite / PG | same body (test client) "
        "| same body (servers, cached / uncached) |",
        "|---|---|---:|---:|---|---|",
    ]
    by_name = {server.name: server for server in servers}
    for scale in scales:
        for page, label in PAGES:
            if page == "static":
                continue
            s = probes.get(("sqlite", scale), {}).get("pages", {}).get(page)
            p = probes.get(("postgres", scale), {}).get("pages", {}).get(page)
            same = "yes" if s and p and s["sha256"] == p["sha256"] else ("no" if s and p else "–")
            served = []
            for mode in MODES:
                a = by_name.get(f"sqlite-{scale}x-{mode}")
                b = by_name.get(f"postgres-{scale}x-{mode}")
                if a and b and page in a.bodies and page in b.bodies:
                    served.append("yes" if a.bodies[page] == b.bodies[page] else "**no**")
                else:
                    served.append("–")
            status = "" if all(x is None or x["status"] == 200 for x in (s, p)) else " (status!)"
            lines.append(
                f"| {label} | {scale}× | {_pair(s, p, 'queries', 'd')} | "
                f"{_pair(s, p, 'bytes', ',')} | {same}{status} | {' / '.join(served)} |"
            )
    lines += [
        "",
        "Worker memory: RSS of each gunicorn worker in MB, after warm-up and after each round "
        "(growth that goes on round after round would be a leak):",
        "",
        "| server | after warm-up | "
        + " | ".join(f"after round {r + 1}" for r in range(settings["rounds"]))
        + " | cache check |",
        "|---|---|" + "---|" * settings["rounds"] + "---|",
    ]
    for server in servers:
        rounds = [", ".join(map(str, rss)) for rss in server.rss_rounds]
        lines.append(
            f"| {server.name} | {', '.join(map(str, server.rss_before))} | "
            + " | ".join(rounds)
            + f" | {server.cache_check} |"
        )
    lines += ["", "10,000-row .xlsx import (bench/imports.py, SQLite):", ""]
    if imports is None:
        lines.append("- skipped (--skip-import, or SQLite not measured)")
    elif "error" in imports:
        lines.append(f"- failed: {imports['error']}")
    else:
        lines += [
            f"- file: {imports['rows']:,} rows, {imports['file_bytes'] / 1024:.0f} KB; "
            f"saved {imports['saved']:,} drafts"
            + (
                f" (returns/imports.py allows {imports['max_rows_in_code']:,} rows: raised "
                "in the benchmark process only)"
                if imports["max_rows_raised_for_bench"]
                else ""
            ),
            f"- openpyxl alone (load_workbook + every value, median of 3): "
            f"{imports['openpyxl_seconds']:.2f} s",
            f"- preview (upload: read, check, store; then the preview page): "
            f"{imports['preview_seconds']:.2f} s = {imports['preview_ratio']:.1f}× openpyxl "
            f"({imports['upload_seconds']:.2f} s + {imports['preview_page_seconds']:.2f} s)",
            f"- confirm (save 10,000 drafts): {imports['confirm_seconds']:.2f} s = "
            f"{imports['confirm_ratio']:.1f}× openpyxl",
            f"- preview + confirm: {imports['total_ratio']:.1f}× openpyxl; "
            f"template download: {imports['template_seconds']:.2f} s",
        ]
    lines += [
        "",
        "Annual progress report, fiscal year 2026 (`progress_report()`): content `build_report`, "
        "Excel `render_xlsx`, PDF `report_pdf`; seconds, one run each in a fresh process:",
        "",
    ]
    for scale, value in (report or {}).items():
        lines.append(f"- {scale}: {value}" + (" s" if re.fullmatch(r"[\d.]+", value) else ""))
    return "\n".join(lines) + "\n"


def write_results(text: str) -> None:
    (OUT / "results.md").write_text(text)
    results = ROOT / "bench" / "RESULTS.md"
    current = (
        results.read_text() if results.exists() else f"# Benchmark results\n\n{BEGIN}\n{END}\n"
    )
    if BEGIN not in current or END not in current:
        current += f"\n{BEGIN}\n{END}\n"
    head, rest = current.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    results.write_text(f"{head}{BEGIN}\n{text}{END}{tail}")


def _stop(servers) -> None:
    for server in servers:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgres", "both"),
        default="both",
        help="the database(s) to measure (default: both)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--scales",
        default=",".join(map(str, SCALES)),
        help=f"data scales, comma-separated (default: {','.join(map(str, SCALES))})",
    )
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument(
        "--no-results-md",
        action="store_true",
        help="write bench/out/results.md and .json only, leave bench/RESULTS.md as it is",
    )
    args = parser.parse_args()
    dbs = list(DATABASES) if args.db == "both" else [args.db]
    scales = sorted({int(x) for x in args.scales.split(",")})
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    if "postgres" in dbs and not bench_postgres.available():
        print("PostgreSQL's initdb is needed: apt-get install postgresql", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    made: dict[str, str] = {}
    urls: dict[tuple[str, int], str] = {}
    servers: list[Server] = []
    with ExitStack() as stack:  # on the way out: the servers, then the PostgreSQL cluster
        postgres_version = ""
        if "sqlite" in dbs:
            for scale in scales:
                urls[("sqlite", scale)] = sqlite_database(scale, made)
        if "postgres" in dbs:
            cluster = stack.enter_context(bench_postgres.Cluster())
            postgres_version = cluster.version()
            print(f"· {postgres_version}, socket in {cluster.dir}")
            for scale in scales:
                urls[("postgres", scale)] = postgres_database(cluster, scale, made)
        print("· queries and page bodies on each database")
        probes = {key: probe(url) for key, url in urls.items()}
        for db in dbs:
            for scale in scales:
                servers += [Server(db, scale, cached) for cached in (True, False)]
        if "sqlite" in dbs:
            servers.append(Server("sqlite", scales[0], True, recycle=True))
        stack.callback(_stop, servers)
        for server in servers:  # one after the other: they share collectstatic's folder
            server.start(urls[(server.db, server.scale)], OUT / f"serve-{server.name}.log")
            print(f"· {server.name} on {server.url}")
        manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
        for server in servers:
            program = probes[(server.db, server.scale)]["program"]
            server.paths = {"static": "/static/" + manifest["paths"]["css/site.css"]}
            server.paths |= {page: path.format(program=program) for page, path in PATHS.items()}
            for page, path in server.paths.items():  # warm up every worker a little
                for _ in range(6):
                    _status, _headers, body = _get(server.url + path)
                if page != "static":
                    # The server's own address (absolute links) aside, the same bytes.
                    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}"):
                        body = body.replace(host.encode(), b"127.0.0.1:PORT")
                    (OUT / "bodies").mkdir(exist_ok=True)
                    (OUT / "bodies" / f"{server.name}-{page}").write_bytes(body)
                    server.bodies[page] = [len(body), hashlib.sha256(body).hexdigest()[:16]]
            headers = _get(server.url + "/")[1]
            server.cache_check = "X-Public-Cache: " + headers.get("X-Public-Cache", "(none)")
            server.rss_before = server.workers_rss_mb()
        info = machine(postgres_version)
        runs = measure(
            servers, args.rounds, args.duration, args.pause, args.connections, args.threads
        )
        for server in servers:
            server.rss_after = server.workers_rss_mb()
        info["load_average_at_end"] = os.getloadavg()
        _stop(servers)
        print("· progress report")
        report = progress_report(urls)
    summary = summarise(servers, runs, scales)
    imports = None
    if not args.skip_import and "sqlite" in dbs:
        print("· 10,000-row import")
        target = OUT / "import.json"
        target.unlink(missing_ok=True)
        db = OUT / "import.sqlite3"
        db.unlink(missing_ok=True)
        subprocess.run(
            [PY, "-m", "bench.imports", str(target)],
            cwd=ROOT,
            env=_env(DATABASE_URL=f"sqlite:///{db}"),
            capture_output=True,
            timeout=900,
        )
        imports = json.loads(target.read_text()) if target.exists() else {"error": "no result"}
    settings = vars(args) | {"scale_list": scales, "databases": dbs}
    text = table(summary, servers, imports, report, info, settings, probes, made)
    (OUT / "results.json").write_text(
        json.dumps(
            {
                "machine": info,
                "settings": settings,
                "data": made,
                "probes": {f"{db} {scale}x": value for (db, scale), value in probes.items()},
                "summary": summary,
                "runs": runs,
                "servers": [
                    {f.name: getattr(s, f.name) for f in fields(s) if f.name != "process"}
                    | {"name": s.name}
                    for s in servers
                ],
                "imports": imports,
                "progress_report": report,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    if args.no_results_md:
        (OUT / "results.md").write_text(text)
    else:
        write_results(text)
    print(text)
    print(f"· done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
