"""`make bench`: the public site under load at 1× and 100× data, cached and uncached.

1. Data: SQLite databases at 1× and 100× (bench/synthetic.py, seed 7), made once
   and kept in bench/out/ (git-ignored) until the generator or the migrations change.
2. Servers: `make serve PORT=…` (gunicorn, production settings, DEBUG off,
   WhiteNoise) on 127.0.0.1 for each database, with the public page cache on and
   off (PUBLIC_PAGE_CACHE=false), plus one with gunicorn's production worker
   recycling left on (the others set GUNICORN_MAX_REQUESTS=0 so that memory
   growth per request would show).
3. Load: wrk against a static file, the top page, a program page, the KPI table,
   the area statistics and an open-data CSV; rounds interleave every page on
   every server, with a pause between runs. Requests per second, p50/p99 latency,
   errors; each page's throughput as a share of the static file's on the same
   server in the same round; 100× as a share of 1×; worker memory (RSS) after
   warm-up and at the end.
4. The 10,000-row spreadsheet import (bench/imports.py) and the progress report.

Everything it starts is stopped at the end, also on Ctrl-C or an error. The table
goes to bench/out/results.md and .json and into bench/RESULTS.md between the
generated-results markers; the reading of the figures in RESULTS.md is written
by hand.

    .venv/bin/python -m bench.run [--rounds 3] [--duration 4] [--skip-import]
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
from contextlib import closing
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable
SEED = 7
SCALES = (1, 100)
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


def database(scale: int) -> Path:
    path = OUT / f"db-{scale}x.sqlite3"
    stamp = path.with_suffix(".stamp")
    wanted = f"{_stamp()} seed={SEED}"
    if path.exists() and stamp.exists() and stamp.read_text() == wanted:
        print(f"· data {scale}×: {path.name} (kept)")
        return path
    for old in OUT.glob(f"db-{scale}x.sqlite3*"):
        old.unlink()
    env = _env(DATABASE_URL=f"sqlite:///{path}")
    start = time.monotonic()
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [PY, "-m", "bench.synthetic", "--scale", str(scale), "--seed", str(SEED)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    stamp.write_text(wanted)
    print(f"· data {scale}×: made in {time.monotonic() - start:.0f} s")
    return path


def program_id(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        row = db.execute(
            "SELECT p.id FROM programs_program p JOIN vision_agreementitem i ON p.item_id = i.id "
            "JOIN vision_category c ON i.category_id = c.id "
            "JOIN vision_policyfield f ON c.policy_field_id = f.id "
            "JOIN vision_vision v ON f.vision_id = v.id WHERE p.name = ? ORDER BY v.edition DESC",
            (PROGRAM_NAME,),
        ).fetchone()
    return row[0]


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
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

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, db: Path, log: Path) -> None:
        self.port = free_port()
        cache_dir = OUT / f"cache-{self.name}"
        shutil.rmtree(cache_dir, ignore_errors=True)
        env = _env(
            DATABASE_URL=f"sqlite:///{db}",
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


def _get(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        return response.status, dict(response.headers)


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


def machine() -> dict:
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
    wanted = {"django", "gunicorn", "whitenoise", "openpyxl", "django-simple-history"}
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
        "wrk": version("wrk", "--version"),
        "packages": versions,
    }


# --- the hook for the annual progress report ------------------------------------------------


def progress_report() -> dict:
    """Time the annual progress report (fiscal year 2026) at 1× and 100×.

    For each scale, in a fresh process on that scale's database: the content
    (``reports.report.build_report``), the Excel file (``reports.report_xlsx.render_xlsx``)
    and the PDF (``reports.pdf.report_pdf``: the template, then WeasyPrint), each timed
    on its own: the functions behind the admin's downloads, publishing and
    ``manage.py progress_report``. One run of each; the PDF's time includes
    WeasyPrint's first use of the fonts in that process, as a worker's first PDF does.
    Returns ``{"1x content": "0.101", "1x .xlsx": …, "1x PDF": …, "100x content": …}``
    in seconds, or for a scale that failed, ``{"100x": <the error's last line>}``.
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
    for scale in SCALES:
        db = OUT / f"db-{scale}x.sqlite3"
        if not db.exists():
            results[f"{scale}x"] = f"no database {db.name} (made by make bench)"
            continue
        out = subprocess.run(
            [PY, "-c", code],
            cwd=ROOT,
            env=_env(DATABASE_URL=f"sqlite:///{db}"),
            capture_output=True,
            text=True,
            timeout=600,
        )
        try:
            seconds = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            results[f"{scale}x"] = (out.stderr.strip().splitlines() or ["no output"])[-1][-300:]
            continue
        for part, value in seconds.items():
            results[f"{scale}x {part}"] = f"{value:.3f}"
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


def summarise(servers, runs) -> dict:
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
    for name in ("cached", "uncached"):
        for page, _label in PAGES:
            one, big = summary.get(f"1x-{name} {page}"), summary.get(f"100x-{name} {page}")
            if one and big:
                big["vs_1x"] = big["rps"] / one["rps"]
    return summary


def table(summary, servers, imports, report, info, settings) -> str:
    lines = [
        f"Run {info['date']} on {info['nproc']} CPU ({info['cpu']}), {info['memory_mb']} MB, "
        f"{info['os']}; Python {info['python']}, SQLite {info['sqlite']}, "
        + ", ".join(f"{k} {v}" for k, v in sorted(info["packages"].items()))
        + f"; {info['wrk']}. Load average (1, 5, 15 min) before the load runs: "
        + " ".join(f"{x:.2f}" for x in info["load_average_at_start"])
        + ", after: "
        + " ".join(f"{x:.2f}" for x in info.get("load_average_at_end", ()))
        + ".",
        "",
        f"wrk {settings['threads']} threads, {settings['connections']} connections, "
        f"{settings['duration']} s per run, {settings['rounds']} interleaved rounds, "
        f"{settings['pause']} s pause; medians over the rounds. gunicorn: `make serve`, 3 sync "
        'workers, SQLite (WAL). "× static": the page\'s requests per second divided by the '
        "static file's on the same server in the same round; \"100× ÷ 1×\": the page's "
        "requests per second at 100× divided by its figure at 1×, same mode.",
        "",
        "| page | server | req/s | × static | p50 ms | p99 ms | p99 ÷ static p99 | errors | 100× ÷ 1× |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for server in servers:
        for page, label in PAGES:
            s = summary.get(f"{server.name} {page}")
            if s is None:
                continue
            vs_1x = f"{s['vs_1x']:.2f}" if "vs_1x" in s else ""
            lines.append(
                f"| {label} | {server.name} | {s['rps']:.0f} | {s['vs_static']:.2f} | "
                f"{s['p50']:.1f} | {s['p99']:.1f} | {s['p99_vs_static']:.2f} | "
                f"{s['errors']} | {vs_1x} |"
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
    lines += ["", "10,000-row .xlsx import (bench/imports.py):", ""]
    if imports is None:
        lines.append("- skipped (--skip-import)")
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    info = machine()

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    dbs = {scale: database(scale) for scale in SCALES}
    servers = [
        Server(f"{scale}x-{'cached' if cached else 'uncached'}", scale, cached)
        for scale in SCALES
        for cached in (True, False)
    ]
    servers.append(Server("1x-cached-recycling", 1, True, recycle=True))
    try:
        for server in servers:  # one after the other: they share collectstatic's folder
            server.start(dbs[server.scale], OUT / f"serve-{server.name}.log")
            print(f"· {server.name} on {server.url}")
        manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
        for server in servers:
            server.paths = {
                "static": "/static/" + manifest["paths"]["css/site.css"],
                "top": "/",
                "program": f"/programs/{program_id(dbs[server.scale])}/",
                "kpis": "/kpis/",
                "statistics": "/statistics/",
                "csv": "/opendata/kpi_actuals.csv",
            }
            for path in server.paths.values():  # warm up every worker a little
                for _ in range(6):
                    _get(server.url + path)
            headers = _get(server.url + "/")[1]
            server.cache_check = "X-Public-Cache: " + headers.get("X-Public-Cache", "(none)")
            server.rss_before = server.workers_rss_mb()
        runs = measure(
            servers, args.rounds, args.duration, args.pause, args.connections, args.threads
        )
        for server in servers:
            server.rss_after = server.workers_rss_mb()
        info["load_average_at_end"] = os.getloadavg()
    finally:
        for server in servers:
            server.stop()
    summary = summarise(servers, runs)
    imports = None
    if not args.skip_import:
        print("· 10,000-row import")
        target = OUT / "import.json"
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
    print("· progress report")
    report = progress_report()
    settings = vars(args)
    text = table(summary, servers, imports, report, info, settings)
    (OUT / "results.json").write_text(
        json.dumps(
            {
                "machine": info,
                "settings": settings,
                "summary": summary,
                "runs": runs,
                "servers": [
                    {f.name: getattr(s, f.name) for f in fields(s) if f.name != "process"}
                    for s in servers
                ],
                "imports": imports,
                "progress_report": report,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    write_results(text)
    print(text)
    print(f"· done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
