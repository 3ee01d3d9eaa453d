"""`make mutation`: mutation testing (mutmut) of the three modules that hold the rules.

Groups, each run on its own with only the tests that exercise it (``GROUPS`` below):
- permissions: ``municipalities/roles.py`` and ``returns/permissions.py`` (who may see or
  change what, what is due);
- progress: ``kpis/progress.py`` (how a KPI is judged);
- japanese: ``core/japanese.py`` (how a Japanese-written number is read and printed).

For each group, ``bench/out/mutation/<group>/`` (git-ignored) gets links to the project and a
``setup.cfg`` with the group's ``[mutmut]`` section. mutmut copies that tree into its own
``mutants/`` folder there and runs pytest from it, so the working tree is never changed. The
tests run on development settings with SQLite in memory, whatever ``DATABASE_URL`` or
``DJANGO_ENV`` the calling shell has (two mutants run at once; a shared PostgreSQL test
database would be one database for both).

The survivors are then compared with ``bench/mutation/survivors.toml``, which lists every
survivor we keep and why: ``equivalent`` (no test can tell it from the original) or
``accepted`` (it changes behaviour, but is not worth a test, for the reason given). A listed
survivor whose mutated line no longer matches is treated as new. The kill rate is
killed ÷ (all mutants − equivalent survivors); a timeout counts as killed. The report goes
to stdout and ``bench/out/mutation/report.md``, the diff of every survivor to
``bench/out/mutation/<group>/survivors.diff``.

Exit status 1 when a group kills less than 90 % of its non-equivalent mutants.

    .venv/bin/python -m bench.mutation.run [permissions] [progress] [japanese] [--jobs 2]
    .venv/bin/python -m bench.mutation.run --report-only   # after editing survivors.toml

To look at one mutant afterwards (``mutmut browse`` lists them all)::

    cd bench/out/mutation/progress && ../../../../.venv/bin/mutmut show kpis.progress.x_round1__mutmut_1
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out" / "mutation"
SURVIVORS = Path(__file__).with_name("survivors.toml")
PLUGIN = Path(__file__).with_name("db_last.py")  # database tests last (see there)
MUTMUT = Path(sys.executable).with_name("mutmut")
THRESHOLD = 0.90

GROUPS = {
    "permissions": {
        "mutate": ["municipalities/roles.py", "returns/permissions.py"],
        "tests": [
            "tests/rules/test_roles_rules.py",
            "tests/rules/test_permission_rules.py",
            "tests/returns/test_due.py",
        ],
    },
    "progress": {
        "mutate": ["kpis/progress.py"],
        "tests": [
            "tests/rules/test_progress_rules.py",
            "tests/property/test_progress.py",
        ],
    },
    "japanese": {
        "mutate": ["core/japanese.py"],
        "tests": [
            "tests/rules/test_japanese_rules.py",
            "tests/core/test_japanese.py",
            "tests/property/test_parse_number.py",
        ],
    },
}

# What the tests need besides the Python packages (which pyproject.toml's import-linter
# section lists as root_packages) and tests/. manage.py also tells pytest-django where the
# project is: without it, it finds the working tree's manage.py above and imports the
# unmutated modules from there.
DATA_FILES = ["templates", "static", "fixtures", "locale", "manage.py"]
# Every mutant starts its own pytest. The database tests first build the test database with
# the loaded vision (tests/conftest.py); --no-migrations creates the tables from the models,
# which saves about half of that (the only data migration, the default grade levels, matters
# to none of the tests chosen above). mutation_db_last: see bench/mutation/db_last.py.
PYTEST_ARGS = ["-p", "no:cacheprovider", "-p", "mutation_db_last", "--no-migrations"]
# Settings that would send the tests elsewhere than development defaults with SQLite.
ENVIRONMENT_NOT_PASSED = ["DATABASE_URL", "DJANGO_ENV", "REDIS_URL", "MEMCACHED_LOCATION"]

KILLED = {"killed", "timeout", "caught by type check"}


@dataclass
class Survivor:
    name: str
    status: str
    diff: str
    kind: str = ""  # equivalent / accepted / "" (new: not in survivors.toml)
    reason: str = ""


@dataclass
class GroupResult:
    group: str
    seconds: float
    total: int = 0
    killed: int = 0
    timeouts: int = 0
    survivors: list[Survivor] = field(default_factory=list)

    @property
    def equivalent(self) -> list[Survivor]:
        return [s for s in self.survivors if s.kind == "equivalent"]

    @property
    def non_equivalent(self) -> int:
        return self.total - len(self.equivalent)

    @property
    def rate(self) -> float:
        return self.killed / self.non_equivalent if self.non_equivalent else 1.0


def root_packages() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return pyproject["tool"]["importlinter"]["root_packages"]


def prepare(group: str) -> Path:
    """A fresh folder with links to the project and the group's [mutmut] section."""
    spec = GROUPS[group]
    work = OUT / group
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    packages = root_packages()
    for name in [*packages, *DATA_FILES, "tests", "pyproject.toml"]:
        (work / name).symlink_to(ROOT / name)
    (work / "mutation_db_last.py").symlink_to(PLUGIN)

    def lines(values):
        return "".join(f"\n    {v}" for v in values)

    (work / "setup.cfg").write_text(
        "# Written by bench/mutation/run.py for this run; edit GROUPS there.\n"
        "[mutmut]\n"
        f"source_paths ={lines(packages)}\n"
        f"only_mutate ={lines(spec['mutate'])}\n"
        f"also_copy ={lines([*DATA_FILES, 'mutation_db_last.py'])}\n"
        f"pytest_add_cli_args_test_selection ={lines(spec['tests'])}\n"
        f"pytest_add_cli_args ={lines(PYTEST_ARGS)}\n"
        "use_git_change_detection = false\n"
        # mutmut's time limit is (the tests' own duration + constant) × multiplier. Each
        # mutant starts a fresh pytest, whose test database with the loaded vision takes
        # 10-15 s before the first test: the default (1 s × 15) would count that as a
        # timeout, which mutmut reports as killed.
        "timeout_constant = 60\n"
        "timeout_multiplier = 3\n",
        encoding="utf-8",
    )
    return work


def run_mutmut(group: str, work: Path, jobs: int) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_NOT_PASSED}
    log = work / "mutmut.log"
    print(f"{group}: mutmut run (log: {log.relative_to(ROOT)})", flush=True)
    start = time.monotonic()
    with open(log, "w") as out:
        result = subprocess.run(  # noqa: S603 (mutmut from this venv)
            [str(MUTMUT), "run", "--max-children", str(jobs)],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.monotonic() - start
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        sys.exit(f"{group}: mutmut failed (exit {result.returncode}); end of the log:\n{tail}")
    return seconds


def show(work: Path, name: str) -> str:
    result = subprocess.run(  # noqa: S603 (mutmut from this venv)
        [str(MUTMUT), "show", name], cwd=work, capture_output=True, text=True, check=False
    )
    return result.stdout


def changed_lines(diff: str) -> list[str]:
    """The diff's removed and added lines, each as "- text" / "+ text"."""
    return [
        f"{line[0]} {line[1:].strip()}"
        for line in diff.splitlines()
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]


def collect(group: str, work: Path, seconds: float, known: dict) -> GroupResult:
    from mutmut.stats import status_by_exit_code  # mutmut's own reading of its exit codes

    result = GroupResult(group=group, seconds=seconds)
    for path in GROUPS[group]["mutate"]:
        meta = json.loads((work / "mutants" / f"{path}.meta").read_text())
        for name, code in sorted(meta["exit_code_by_key"].items()):
            status = status_by_exit_code[code]
            result.total += 1
            if status in KILLED:
                result.killed += 1
                result.timeouts += status == "timeout"
                continue
            survivor = Survivor(name=name, status=status, diff=show(work, name))
            entry = known.get(name)
            changed = [line[2:] for line in changed_lines(survivor.diff)]
            if entry and entry["mutated"].strip() in changed:
                survivor.kind, survivor.reason = entry["kind"], entry["reason"]
            result.survivors.append(survivor)
    (work / "survivors.diff").write_text("".join(s.diff for s in result.survivors))
    return result


def report(results: list[GroupResult], known: dict) -> str:
    out = [
        "| group | mutants | killed (timeouts) | equivalent | kill rate (non-equivalent) | time |"
    ]
    out.append("|---|---:|---:|---:|---:|---:|")
    for r in results:
        out.append(
            f"| {r.group} | {r.total} | {r.killed} ({r.timeouts}) | {len(r.equivalent)} "
            f"| {r.killed}/{r.non_equivalent} = {r.rate:.1%} "
            f"| {f'{r.seconds / 60:.1f} min' if r.seconds else '—'} |"
        )
    for r in results:
        if not r.survivors:
            continue
        out += ["", f"{r.group} survivors:"]
        for s in r.survivors:
            why = f"{s.kind}: {s.reason}" if s.kind else "NEW: not in bench/mutation/survivors.toml"
            out.append(f"- {s.name} ({s.status}) {why}")
            if not s.kind:
                out += [f"    {line}" for line in changed_lines(s.diff)]
    seen = {s.name for r in results for s in r.survivors}
    ran = {r.group for r in results}
    stale = [n for n, e in known.items() if e["group"] in ran and n not in seen]
    if stale:
        out += ["", "Listed in survivors.toml but killed or gone now (remove them):"]
        out += [f"- {n}" for n in stale]
    return "\n".join(out) + "\n"


def load_known() -> dict:
    data = tomllib.loads(SURVIVORS.read_text("utf-8"))
    return {entry["mutant"]: entry for entry in data.get("survivor", [])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", choices=[*GROUPS, []], default=[])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="no run: report the last run's results again (after editing survivors.toml)",
    )
    args = parser.parse_args()
    if not MUTMUT.exists():
        sys.exit(f"{MUTMUT} is missing: pip install -e '.[mutation]' (make mutation does).")
    known = load_known()
    results = []
    for group in args.groups or list(GROUPS):
        if args.report_only:
            work, seconds = OUT / group, 0.0
        else:
            work = prepare(group)
            seconds = run_mutmut(group, work, args.jobs)
        results.append(collect(group, work, seconds, known))
    text = report(results, known)
    (OUT / "report.md").write_text(text, encoding="utf-8")
    print(text)
    below = [r.group for r in results if r.rate < THRESHOLD]
    if below:
        print(f"Below {THRESHOLD:.0%} of non-equivalent mutants killed: {', '.join(below)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
