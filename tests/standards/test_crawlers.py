"""/robots.txt and /sitemap.xml, served by the app."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_robots_txt_disallows_the_admin_and_returns_and_names_the_sitemap(client, settings):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert f"Disallow: /{settings.ADMIN_URL}" in lines
    assert "Disallow: /returns/" in lines
    assert "Disallow: /evaluation/" in lines  # the secretariat's evaluation pages
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_the_sitemap_lists_each_public_page_in_both_languages_with_alternates(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    locations = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert "http://testserver/statistics/" in locations
    assert "http://testserver/en/statistics/" in locations
    assert 'hreflang="x-default" href="http://testserver/statistics/"' in xml
    assert 'hreflang="en" href="http://testserver/en/statistics/"' in xml
    assert not any("/returns/" in url or "/admin/" in url for url in locations)


def test_the_sitemap_lists_programs_and_towns(client):
    from programs.models import Program  # noqa: PLC0415

    locations = re.findall(r"<loc>([^<]+)</loc>", client.get("/sitemap.xml").content.decode())
    assert len([u for u in locations if "/programs/" in u]) == 2 * Program.objects.count()
    assert "http://testserver/en/towns/063657/" in locations
