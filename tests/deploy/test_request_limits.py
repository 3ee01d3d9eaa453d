"""A request body over the upload limit is refused before it is read."""

from django.urls import reverse


def test_a_body_over_the_limit_is_refused_with_413(client, settings):
    settings.MAX_REQUEST_BYTES = 10_000
    response = client.post(reverse("admin:login"), {"username": "x" * 20_000, "password": "y"})
    assert response.status_code == 413
    assert f"{settings.MAX_UPLOAD_MB} MB 以下" in response.content.decode()


def test_a_body_under_the_limit_goes_through(client, settings, db):
    settings.MAX_REQUEST_BYTES = 10_000
    response = client.post(reverse("admin:login"), {"username": "x" * 5_000, "password": "y"})
    assert response.status_code == 200
