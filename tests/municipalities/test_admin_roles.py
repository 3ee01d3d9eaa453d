"""An account made by hand in the admin works by its role alone (no Django permissions).

Every admin page of the plan, the statistics and the figures asks
municipalities.roles from the user's Profile: a reviewer or an officer may read
the plan and the statistics, only the secretariat may change them.
"""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from municipalities.models import Profile
from tests.pages import loaded_page
from vision.models import PolicyField, PopulationFigure

pytestmark = pytest.mark.django_db

PLAN_PAGES = [
    "admin:vision_vision_changelist",
    "admin:vision_policyfield_changelist",
    "admin:vision_category_changelist",
    "admin:vision_agreementitem_changelist",
    "admin:vision_statisticssource_changelist",
    "admin:vision_keyfigure_changelist",
    "admin:vision_populationfigure_changelist",
    "admin:vision_daytimepopulation_changelist",
    "admin:vision_commutingorigin_changelist",
    "admin:vision_commutingflow_changelist",
    "admin:vision_hospitalpatients_changelist",
]


def hand_made(role, municipality=None) -> User:
    """As the secretariat would add a colleague in the admin: staff, a role, no permissions."""
    user = User.objects.create_user(f"new-{role}", is_staff=True)
    Profile.objects.create(user=user, role=role, municipality=municipality)
    assert not user.user_permissions.exists() and not user.is_superuser
    return user


@pytest.mark.parametrize("page", PLAN_PAGES)
def test_a_hand_made_reviewer_can_read_the_plan_and_statistics(client, vision, page):
    client.force_login(hand_made(Profile.Role.REVIEWER))
    assert client.get(reverse(page)).status_code == 200


def test_a_hand_made_officer_can_read_but_not_change_a_statistic(client, vision, kaneyama):
    client.force_login(hand_made(Profile.Role.OFFICER, kaneyama))
    figure = PopulationFigure.objects.filter(vision=vision).first()
    url = reverse("admin:vision_populationfigure_change", args=[figure.pk])
    page = loaded_page(client.get(url), '<div class="readonly">')  # read only
    assert 'name="_save"' not in page
    assert client.post(url, {"population": "1"}).status_code == 403
    assert PopulationFigure.objects.get(pk=figure.pk).population == figure.population


def test_a_hand_made_reviewer_cannot_change_a_policy_field(client, vision):
    client.force_login(hand_made(Profile.Role.REVIEWER))
    field = PolicyField.objects.filter(vision=vision).first()
    url = reverse("admin:vision_policyfield_change", args=[field.pk])
    assert client.post(url, {"title": "変えた"}).status_code == 403
    assert PolicyField.objects.get(pk=field.pk).title == field.title


def test_a_hand_made_secretariat_can_change_a_policy_field_without_being_superuser(client, vision):
    client.force_login(hand_made(Profile.Role.SECRETARIAT))
    field = PolicyField.objects.filter(vision=vision).first()
    url = reverse("admin:vision_policyfield_change", args=[field.pk])
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:vision_policyfield_add")).status_code == 200


def test_a_staff_user_without_a_role_sees_none_of_it(client, vision):
    user = User.objects.create_user("no-role", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:vision_populationfigure_changelist")).status_code == 403
