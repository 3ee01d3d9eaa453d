import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_admin_pages_name_their_icon_so_browsers_do_not_ask_for_favicon_ico(client):
    body = client.get(reverse("admin:login")).content.decode()
    assert 'rel="icon"' in body and "favicon" in body
    assert "共生ビジョン 進捗管理（管理画面）" in body
