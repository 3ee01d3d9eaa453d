import pytest
from django.urls import reverse

from kpis.models import KPI
from tests.pages import loaded_page

pytestmark = pytest.mark.django_db


def test_a_kpi_target_cannot_be_edited_directly_in_the_admin(client, secretariat):
    kpi = KPI.objects.get(name="年間事業開催数")
    client.force_login(secretariat)
    page = loaded_page(client.get(reverse("admin:kpis_kpi_change", args=[kpi.pk])), 'name="note"')
    assert 'name="target"' not in page
