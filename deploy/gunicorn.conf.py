"""gunicorn settings for mogami-vision (`make serve` and the systemd unit use this file).

Every value can be changed from the environment, so the unit's EnvironmentFile
is the one place to tune a server. See deploy/README.md.
"""

import os
from pathlib import Path

wsgi_app = "config.wsgi:application"

# Loopback only: the reverse proxy (nginx) is what the network sees.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: one request at a time per process, each with its own
# health-checked database connection. 2 cores → 3 workers is plenty for a
# press-day surge of readers; raise WEB_CONCURRENCY on a bigger machine.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

# A request that takes longer than this is killed and logged (a stuck query,
# a database that went away): the worker is replaced, the server stays up.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then, so a slow leak never grows.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = 5000

# Trust X-Forwarded-Proto only from the proxy on this machine.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Bounded request lines and headers (gunicorn's defaults, written down).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# Logs to standard output/error: systemd's journal keeps them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'

# Heartbeat files in memory, not on a possibly slow disk (gunicorn's advice).
# gunicorn creates them with mkstemp: unique names, mode 0600.
SHM = "/dev/shm"  # noqa: S108  # nosec B108
if Path(SHM).is_dir() and os.access(SHM, os.W_OK):
    worker_tmp_dir = SHM

proc_name = "mogami-vision"

# gunicorn's control socket (gunicornc) is not used: systemd manages the process.
control_socket_disable = True


def on_starting(server):
    """Refuse to serve when `manage.py check --deploy` finds an error.

    Among them (core.security.check_no_demo_accounts): demo accounts of `make run`,
    whose password is in the README, still active in this database. The check runs in
    a separate process, so the master never opens a database connection (or a
    psycopg pool, whose threads a forked worker would not have).
    """
    # Our own manage.py, fixed arguments, no shell (deploy/SECURITY.md).
    import subprocess  # noqa: PLC0415  # nosec B404
    import sys  # noqa: PLC0415

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
    }
    result = subprocess.run(  # noqa: S603  # nosec B603
        [
            sys.executable,
            os.path.join(root, "manage.py"),
            "check",
            "--deploy",
            "--fail-level",
            "ERROR",
        ],
        cwd=root,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit("manage.py check --deploy failed: not serving (see above).")
