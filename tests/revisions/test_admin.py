"""The secretariat records revisions in the admin, through the services only."""

from datetime import date

import pytest
from django.urls import reverse

from kpis.models import KPI
from tests.revisions.helpers import made_up_plan, open_revision
from vision.models import PlanRevision, RevisionChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def revision(secretariat):
    vision, _item, _program, kpi = made_up_plan()
    return open_revision(secretariat, vision), kpi


def record_url(revision, kind="target"):
    return reverse("admin:vision_planrevision_record", args=[revision.pk, kind])


def target_post(client, revision, kpi, target="４０"):
    return client.post(
        record_url(revision),
        {"kpi": kpi.pk, "effective_year": 2027, "target": target, "target_year": 2030, "basis": ""},
    )


def test_the_secretariat_opens_a_revision(client, secretariat, revision):
    existing, _kpi = revision
    client.force_login(secretariat)
    response = client.post(
        reverse("admin:vision_planrevision_add"),
        {
            "vision": existing.vision.pk,
            "title": "令和10年3月変更",
            "decided_on": "2028-03-24",
            "basis": "一部変更協定（令和10年3月24日）",
            "note": "",
        },
    )
    assert response.status_code == 302
    created = PlanRevision.objects.get(title="令和10年3月変更")
    assert (created.decided_on, created.created_by) == (date(2028, 3, 24), secretariat)


def test_the_secretariat_records_a_target_change(client, secretariat, revision):
    revision, kpi = revision
    client.force_login(secretariat)
    assert target_post(client, revision, kpi).status_code == 302
    kpi.refresh_from_db()
    assert (kpi.target, kpi.target_effective_from) == (40, 2027)


def test_a_refused_change_shows_why_and_saves_nothing(client, secretariat, revision):
    revision, kpi = revision
    client.force_login(secretariat)
    response = target_post(client, revision, kpi, target="20")
    assert "目標値が変わっていません" in response.content.decode()
    assert not RevisionChange.objects.exists()


def test_a_number_that_cannot_be_read_is_refused(client, secretariat, revision):
    revision, kpi = revision
    client.force_login(secretariat)
    response = target_post(client, revision, kpi, target="四十")
    assert "数値として読めません" in response.content.decode()
    assert KPI.objects.get(pk=kpi.pk).target == 20


def test_an_officer_cannot_record_a_change(client, kaneyama_officer, revision):
    revision, kpi = revision
    client.force_login(kaneyama_officer)
    assert target_post(client, revision, kpi).status_code == 403
    assert not RevisionChange.objects.exists()


def test_a_reviewer_cannot_record_a_change(client, reviewer, revision):
    revision, kpi = revision
    client.force_login(reviewer)
    assert target_post(client, revision, kpi).status_code == 403


def test_a_revision_with_changes_cannot_be_deleted(client, secretariat, revision):
    revision, kpi = revision
    client.force_login(secretariat)
    target_post(client, revision, kpi)
    client.post(reverse("admin:vision_planrevision_delete", args=[revision.pk]), {"post": "yes"})
    assert PlanRevision.objects.filter(pk=revision.pk).exists()


def test_recorded_changes_cannot_be_edited_in_the_admin(client, secretariat, revision):
    revision, kpi = revision
    client.force_login(secretariat)
    target_post(client, revision, kpi)
    change = RevisionChange.objects.get()
    url = reverse("admin:vision_revisionchange_change", args=[change.pk])
    client.post(url, {"label": "書き換え", "effective_year": 2026})
    change.refresh_from_db()
    assert (change.label, change.effective_year) != ("書き換え", 2026)
