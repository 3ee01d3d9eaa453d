import pytest
from django.urls import reverse

from kpis.models import KPI

pytestmark = pytest.mark.django_db


def test_a_kpi_target_cannot_be_edited_directly_in_the_admin(client, secretariat):
    kpi = KPI.objects.get(name="年間事業開催数")
    client.force_login(secretariat)
    page = client.get(reverse("admin:kpis_kpi_change", args=[kpi.pk])).content.decode()
    assert 'name="target"' not in page
    assert 'name="note"' in page
