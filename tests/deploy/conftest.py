"""Fixtures for the deployment tests: the app served by gunicorn in production mode.

One SQLite database and one set of collected static files per test session,
served by two gunicorn processes:

- ``proxied_server``: a real deployment's settings, as behind nginx (requests
  carry X-Forwarded-Proto: https, plain HTTP is redirected);
- ``local_server``: what `make serve` runs (plain HTTP on loopback, no redirect).
"""

import pytest

from tests.deploy.servers import gunicorn, manage_ok, prepare_database, production_env


@pytest.fixture(scope="session")
def deployed_site(tmp_path_factory):
    """(database URL, static root) of a migrated database with the vision and demo accounts."""
    folder = tmp_path_factory.mktemp("deployed")
    database_url = f"sqlite:///{folder / 'site.sqlite3'}"
    static_root = folder / "static"
    prepare_database(database_url)
    manage_ok("collectstatic", "--noinput", env=production_env(database_url, static_root))
    return database_url, static_root


@pytest.fixture(scope="session")
def proxied_server(deployed_site, tmp_path_factory):
    database_url, static_root = deployed_site
    log = tmp_path_factory.mktemp("proxied") / "gunicorn.log"
    with gunicorn(production_env(database_url, static_root), log) as server:
        yield server


@pytest.fixture(scope="session")
def local_server(deployed_site, tmp_path_factory):
    database_url, static_root = deployed_site
    log = tmp_path_factory.mktemp("local") / "gunicorn.log"
    env = production_env(
        database_url, static_root, SECURE_SSL_REDIRECT="false", TRUSTED_PROXY_COUNT="0"
    )
    with gunicorn(env, log) as server:
        yield server
