"""A throwaway PostgreSQL cluster for `make bench`, as tests/with_postgres.sh makes one.

The installed server binaries (Debian keeps them in /usr/lib/postgresql/<version>/bin),
a cluster in a temporary folder that listens only on a Unix socket there (no TCP
port), run as the `postgres` user when we are root (initdb refuses root). Unlike the
test cluster it keeps PostgreSQL's default durability settings (fsync on): the
benchmark should see a server configured as a real one is out of the box. Stopped
and deleted when the block ends, whether the benchmark finished or not.

    with Cluster() as cluster:
        url = cluster.create_database("bench_1x")   # postgres://postgres@%2Ftmp%2F…/bench_1x
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote


def _bindir() -> Path | None:
    if shutil.which("initdb"):
        return Path(shutil.which("initdb")).parent
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").is_file():
            return candidate
    return None


def available() -> bool:
    return _bindir() is not None


class Cluster:
    def __init__(self):
        self.bindir = _bindir()
        if self.bindir is None:
            raise RuntimeError("initdb not found (apt-get install postgresql)")
        self.dir: Path | None = None
        self.started = False
        self.as_user: list[str] = []

    def _run(self, *args: str, log: Path | None = None) -> None:
        command = [*self.as_user, str(self.bindir / args[0]), *args[1:]]
        if log is None:
            subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)
            return
        with open(log, "a") as out:
            result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed:\n{log.read_text()[-2000:]}")

    def __enter__(self) -> "Cluster":
        self.dir = Path(tempfile.mkdtemp(prefix="mogami-bench-pg."))
        if os.geteuid() == 0:
            if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
                subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
            shutil.chown(self.dir, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        try:
            log = self.dir / "initdb.log"
            self._run(
                "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8", log=log,
            )  # fmt: skip
            with open(self.data / "postgresql.conf", "a") as conf:
                conf.write(f"listen_addresses = ''\nunix_socket_directories = '{self.dir}'\n")
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "start")
            self.started = True
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_exc) -> None:
        if self.dir is None:
            return
        if self.started:
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            except (subprocess.SubprocessError, RuntimeError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    @property
    def data(self) -> Path:
        return self.dir / "data"

    @property
    def log(self) -> Path:
        return self.dir / "server.log"

    def url(self, name: str) -> str:
        return f"postgres://postgres@{quote(str(self.dir), safe='')}/{name}"

    def version(self) -> str:
        out = subprocess.run(
            [str(self.bindir / "postgres"), "--version"], capture_output=True, text=True
        )
        return out.stdout.strip()

    def create_database(self, name: str) -> str:
        """A new empty database (UTF-8, C.UTF-8, as deploy/README.md makes it); its URL."""
        import psycopg

        with psycopg.connect(dbname="postgres", user="postgres", host=str(self.dir)) as conn:
            conn.autocommit = True
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(
                f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' "
                "LC_CTYPE 'C.UTF-8' TEMPLATE template0"
            )
        return self.url(name)
