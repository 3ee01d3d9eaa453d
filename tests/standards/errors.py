"""The error pages, as a visitor meets them (DEBUG off), in Japanese and English."""

from django.test import Client

from tests.factories import PASSWORD


def error_pages(settings, officer, year) -> list[tuple[str, object]]:
    """(name, response) of each error status the site answers with its own page.

    ``officer``: a town's officer, who may not review (403) ``year``'s return.
    """
    client = Client()
    officer_client = Client()
    officer_client.force_login(officer)
    pages = [
        ("404", client.get("/no-such-page/")),
        ("404-en", client.get("/en/no-such-page/")),
        ("404-message", client.get("/towns/999999/")),
        ("403", officer_client.get(f"/returns/{year}/{officer.profile.municipality.code}/review/")),
        ("400", client.get("/", HTTP_HOST="evil.example")),
        ("400-en", client.get("/en/", HTTP_HOST="evil.example")),
    ]
    settings.MAX_REQUEST_BYTES = 1000
    pages.append(("413", client.post("/returns/", {"x": "y" * 2000})))
    pages.append(("413-en", client.post("/en/", {"x": "y" * 2000})))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            f"/{settings.ADMIN_URL}login/",
            {"username": "nobody", "password": PASSWORD + "-wrong", "next": "/"},
            REMOTE_ADDR="203.0.113.9",
        )
    pages.append(("429", response))
    return pages
