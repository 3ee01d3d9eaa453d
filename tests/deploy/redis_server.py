"""A real Redis for the tests: redis-server on a Unix socket in a folder of its own.

Started without persistence (``--save '' --appendonly no``), as deploy/README.md
recommends for the cache: stopped and started again, it comes back empty. The other
case is a Redis that comes back with all its data, the old version included:

- ``cut`` and ``reconnect``: the clients lose it (its socket is moved away and their
  connections are closed) while it keeps running, as in a network cut;
- ``pause`` and ``resume`` (SIGSTOP/SIGCONT): it stops answering, as a frozen VM.
  Connections are still accepted and what clients send waits in the socket, so a
  write that timed out may still be made when it resumes.
"""

import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from tests.deploy.servers import require_program


class RedisServer:
    def __init__(self):
        self.binary = require_program("redis-server", "redis-server")
        # Its own short folder: a Unix socket's path may not exceed 107 bytes, which
        # pytest's temporary folders can.
        self.folder = Path(tempfile.mkdtemp(prefix="mogami-redis-"))
        self.socket = self.folder / "redis.sock"
        self.moved_socket = self.folder / "redis.sock.cut"
        self.log = self.folder / "redis.log"
        self.process: subprocess.Popen | None = None
        self.paused = False

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                self.binary,
                "--port", "0",
                "--unixsocket", str(self.socket),
                "--unixsocketperm", "700",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.folder),
                "--logfile", str(self.log),
                "--daemonize", "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited:\n{self.log_text()}")
            if self.answers():
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer:\n{self.log_text()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.resume()
        self.reconnect()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def pause(self) -> None:
        """Stop answering, keeping every key (connections are accepted, then time out)."""
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        if self.paused and self.process is not None:
            self.process.send_signal(signal.SIGCONT)
        self.paused = False

    def cut(self) -> None:
        """Unreachable, data kept: no new connection, the open ones closed."""
        self.socket.rename(self.moved_socket)
        with redis.Redis(unix_socket_path=str(self.moved_socket), socket_timeout=5) as client:
            client.client_kill_filter(_type="normal", skipme=True)

    def reconnect(self) -> None:
        if self.moved_socket.exists():
            self.moved_socket.rename(self.socket)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def client(self) -> redis.Redis:
        return redis.Redis(unix_socket_path=str(self.socket), socket_timeout=5)

    def answers(self) -> bool:
        try:
            with redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def keys(self, pattern: str = "*") -> list[str]:
        with self.client() as client:
            return sorted(key.decode() for key in client.keys(pattern))

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def cache_settings(url: str, **pages) -> dict:
    """CACHES as config/settings.py builds them with REDIS_URL (the version in Redis)."""
    return {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "test",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
        "public_pages": pages
        or {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": url},
    }
