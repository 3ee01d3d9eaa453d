"""The production stack of the load run, and the faults done to it.

- PostgreSQL: the throwaway cluster of tests/with_postgres.sh, restarted with
  ``pg_ctl restart -m fast`` as the cluster's user;
- Redis: tests/deploy/redis_server.RedisServer (a Unix socket, no persistence),
  stopped and started again (it comes back empty);
- two gunicorn servers with deploy/gunicorn.conf.py and the production settings, each on
  a fixed loopback port so that one can be killed (SIGKILL, master and workers at once)
  and started again on the same port, where nginx's upstream expects it;
- nginx with deploy/nginx.conf in front of both (tests/deploy/nginx_server.nginx).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.deploy.servers import ROOT, VENV_BIN, free_port


def pg_ctl(*args: str) -> None:
    """pg_ctl on the cluster of tests/with_postgres.sh, as its user."""
    data = os.environ["MOGAMI_PGDATA"]
    user = os.environ.get("MOGAMI_PGUSER")
    command = [*(["runuser", "-u", user, "--"] if user else []), "pg_ctl", "-D", data, "-w"]
    command += [*args, "-l", os.environ["MOGAMI_PGLOG"]]
    subprocess.run(  # noqa: S603 - fixed arguments, the cluster of tests/with_postgres.sh
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120
    )


class AppServer:
    """One gunicorn server (deploy/gunicorn.conf.py) on a port of its own, for good."""

    def __init__(self, name: str, env: dict[str, str], log: Path, workers: int):
        self.name = name
        self.env = env
        self.log = log
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> float:
        """Start it and wait until it accepts connections; returns the seconds it took.
        (gunicorn first runs ``manage.py check --deploy``, then binds the port.)"""
        began = time.monotonic()
        if self.listening():
            raise RuntimeError(f"port {self.port} of gunicorn {self.name} is still in use")
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our gunicorn, fixed arguments
                [
                    str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                    "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                ],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.starts += 1
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited:\n{self.log_text()[-3000:]}")
            if self.listening():
                return time.monotonic() - began
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn {self.name} did not listen:\n{self.log_text()[-3000:]}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        if self.process is None:
            return []
        master = self.process.pid
        workers = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # pid (comm) state ppid …; comm may hold spaces, so split after its ")".
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == master:
                workers.append(int(stat.parent.name))
        return [master, *workers]

    def kill(self) -> list[int]:
        """SIGKILL to the master and every worker at once, as a crash or the OOM killer
        would do it: nothing finishes its request. Returns the processes killed."""
        pids = self.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process is not None:
            self.process.wait(timeout=30)
        self.process = None
        # Gone for good once no killed process is left (a worker's exit may lag behind the
        # master's) and the port refuses connections.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            any(_alive(pid) for pid in pids) or self.listening()
        ):
            time.sleep(0.05)
        return pids

    def listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), 1):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        """A graceful stop (the end of the run): SIGTERM, then SIGKILL after 30 s."""
        if self.process is None:
            return
        workers = self.pids()[1:]
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        for pid in workers:  # a worker left behind by a master that was killed
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process = None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie (a killed worker nobody has reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def versions() -> dict[str, str]:
    """The versions of the programs the run used, as they report them."""

    def first_line(*command: str) -> str:
        try:
            result = subprocess.run(  # noqa: S603 - fixed commands
                command, capture_output=True, text=True, check=False, timeout=30
            )
        except OSError as error:
            return f"unknown ({error})"
        return (result.stdout or result.stderr).strip().splitlines()[0]

    import django
    import gunicorn as gunicorn_package

    return {
        "postgres": first_line("postgres", "--version"),
        "redis-server": first_line("redis-server", "--version"),
        "nginx": first_line("/usr/sbin/nginx", "-v"),
        "gunicorn": gunicorn_package.__version__,
        "django": django.get_version(),
    }
