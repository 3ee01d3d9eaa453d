"""deploy/nginx.conf run by a real nginx, in front of gunicorn servers, on loopback.

The site file is read from deploy/ and only what a test machine must have otherwise is
replaced, each replacement by its exact text: if deploy/nginx.conf no longer has that
text, the test fails here (and this list says what to update), rather than quietly
testing something else. The main configuration around it (nginx.conf's ``http``
block: mime types, temporary folders, pid file) is the test's, as /etc/nginx/nginx.conf
is Debian's on a server.
"""

import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from contextlib import contextmanager
from http.client import HTTPConnection, HTTPSConnection
from pathlib import Path

from tests.deploy.servers import ROOT, free_port, require_program

SITE_FILE = ROOT / "deploy" / "nginx.conf"
HOST = "vision.example.lg.jp"


def replace(text: str, old: str, new: str, count: int = 1) -> str:
    found = text.count(old)
    if found != count:
        raise AssertionError(
            f"deploy/nginx.conf should contain {old!r} {count}×, found {found}×: "
            "update tests/deploy/nginx_server.py with the file"
        )
    return text.replace(old, new)


def site_config(*, http_port, https_port, upstreams, certificate, key, static_root, logs) -> str:
    """deploy/nginx.conf with the test machine's ports, addresses and paths."""
    text = SITE_FILE.read_text()
    servers = "\n    ".join(f"server 127.0.0.1:{port} fail_timeout=0;" for port in upstreams)
    text = replace(text, "server 127.0.0.1:8000 fail_timeout=0;", servers)
    text = replace(text, "listen 80;", f"listen 127.0.0.1:{http_port};")
    text = replace(text, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    # No IPv6 on every test machine (containers): the IPv4 loopback only.
    text = replace(text, "listen [::]:80;", "")
    text = replace(text, "listen [::]:443 ssl http2;", "")
    text = replace(text, "/etc/ssl/mogami-vision/fullchain.pem", str(certificate))
    text = replace(text, "/etc/ssl/mogami-vision/privkey.pem", str(key))
    text = replace(text, "alias /srv/mogami-vision/staticfiles/;", f"alias {static_root}/;")
    text = replace(text, "/var/log/nginx/mogami-vision.access.log", str(logs / "access.log"))
    text = replace(text, "/var/log/nginx/mogami-vision.error.log", str(logs / "error.log"))
    return text


MAIN = """\
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/main-error.log warn;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    include {folder}/mogami-vision.conf;
}}
"""


def worker_user() -> str:
    """nginx started as root runs its workers as an unprivileged user, as on a server."""
    if os.geteuid() != 0:
        return ""  # the user directive applies only to a master started as root
    for name in ("www-data", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return f"user {name};"
    raise RuntimeError("no www-data or nobody user for nginx's workers")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    openssl = require_program("openssl", "openssl")
    certificate, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(  # noqa: S603
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}",
            "-keyout", str(key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return certificate, key


class Nginx:
    def __init__(self, folder: Path, http_port: int, https_port: int, certificate: Path):
        self.folder = folder
        self.http_port = http_port
        self.https_port = https_port
        self.context = ssl.create_default_context(cafile=str(certificate))
        self.context.check_hostname = False  # the certificate is checked, not its name

    def request(self, method, path, *, headers=None, body=None, https=True, source="127.0.0.1"):
        """(status, headers, body) of one request from ``source`` (a loopback address)."""
        if https:
            connection = HTTPSConnection(
                "127.0.0.1", self.https_port, context=self.context, timeout=60,
                source_address=(source, 0),
            )  # fmt: skip
        else:
            connection = HTTPConnection(
                "127.0.0.1", self.http_port, timeout=60, source_address=(source, 0)
            )
        try:
            connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def log_text(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")
            for path in sorted(self.folder.glob("*.log"))
            if path.exists()
        )


@contextmanager
def nginx(*, upstreams: list[int], static_root: Path):
    """deploy/nginx.conf in front of gunicorn on these loopback ports, until the block ends."""
    binary = require_program("nginx", "nginx-light", "/usr/sbin", "/usr/local/sbin")
    # A folder of its own that nginx's workers may enter (pytest's are private to the
    # user running the tests), with a copy of the static files they serve.
    folder = Path(tempfile.mkdtemp(prefix="mogami-nginx-"))
    try:
        folder.chmod(0o755)
        (folder / "tmp").mkdir()
        static = folder / "static"
        shutil.copytree(static_root, static)
        for path in [static, *static.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        certificate, key = self_signed_certificate(folder)
        http_port, https_port = free_port(), free_port()
        (folder / "mogami-vision.conf").write_text(
            site_config(
                http_port=http_port,
                https_port=https_port,
                upstreams=upstreams,
                certificate=certificate,
                key=key,
                static_root=static,
                logs=folder,
            )
        )
        conf = folder / "nginx.conf"
        conf.write_text(MAIN.format(user=worker_user(), folder=folder))
        command = [binary, "-p", str(folder), "-e", str(folder / "main-error.log"), "-c", str(conf)]
        tested = subprocess.run(  # noqa: S603
            [*command, "-t"], capture_output=True, text=True, timeout=60
        )
        assert tested.returncode == 0, f"nginx -t:\n{tested.stderr}"
        process = subprocess.Popen(  # noqa: S603
            [*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        server = Nginx(folder, http_port, https_port, certificate)
        try:
            _wait_until_listening(process, https_port, server)
            yield server
        finally:
            process.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait_until_listening(process, port, server, attempts=100):
    for _ in range(attempts):
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited:\n{server.log_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), 1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nginx did not start listening:\n{server.log_text()}")
