"""Who may see and change what: login everywhere but status pages, staff to look,
operators (or superusers) to change, CSRF on every form."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from continuity.models import FallbackActivation, StepCompletion
from incidents.models import Outage, OutageUpdate


def pages(world) -> list[str]:
    return [
        "/console/",
        "/console/overview/fragment/",
        f"/console/outages/{world.open_outage.pk}/",
        f"/console/workflows/{world.chatbot.pk}/",
        "/console/reports/",
    ]


def actions(world) -> list[tuple[str, dict]]:
    outage = world.open_outage
    activation = FallbackActivation.objects.get(outage=world.resolved_outage)
    return [
        (f"/console/outages/{outage.pk}/updates/", {"status": "identified", "message": "x"}),
        (f"/console/outages/{outage.pk}/fallback/activate/", {"runbook": world.runbook.pk}),
        (f"/console/outages/{outage.pk}/edit/", {"root_cause": "changed"}),
        (
            f"/console/outages/{world.resolved_outage.pk}/fallback/{activation.pk}/steps/",
            {"order": 2},
        ),
        (
            f"/console/outages/{world.resolved_outage.pk}/fallback/{activation.pk}/deactivate/",
            {},
        ),
        ("/console/reports/generate/", {"customer": world.customer.slug, "period": "2026-09"}),
    ]


def snapshot() -> tuple:
    return (
        OutageUpdate.objects.count(),
        FallbackActivation.objects.count(),
        StepCompletion.objects.count(),
        list(Outage.objects.order_by("pk").values_list("root_cause", "excluded_from_sla")),
        list(FallbackActivation.objects.order_by("pk").values_list("deactivated_at", flat=True)),
    )


def test_anonymous_visitors_are_sent_to_the_admin_login(world, anonymous_client):
    for url in pages(world):
        response = anonymous_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/?next="), url


def test_logged_in_non_staff_users_are_sent_to_the_login_too(world, outsider_client):
    for url in pages(world):
        response = outsider_client.get(url)
        assert response.status_code == 302, url
        assert "/admin/login/" in response["Location"]


def test_anonymous_posts_change_nothing(world, anonymous_client):
    before = snapshot()
    for url, data in actions(world):
        assert anonymous_client.post(url, data).status_code == 302, url
    assert snapshot() == before


def test_read_only_staff_can_look_but_every_change_is_forbidden(world, readonly_client):
    for url in pages(world):
        assert readonly_client.get(url).status_code == 200, url
    before = snapshot()
    for url, data in actions(world):
        assert readonly_client.post(url, data).status_code == 403, url
    assert snapshot() == before


def test_read_only_staff_see_no_action_forms(world, readonly_client):
    html = readonly_client.get(f"/console/outages/{world.open_outage.pk}/").content.decode()
    assert "read-only" in html
    assert 'id="activate-form"' not in html
    assert 'id="update-form"' not in html
    assert 'id="edit-form"' not in html
    assert "Read-only access: only operators can activate a fallback." in html


def test_operators_see_the_forms(world, operator_client):
    html = operator_client.get(f"/console/outages/{world.open_outage.pk}/").content.decode()
    assert 'id="activate-form"' in html
    assert 'id="update-form"' in html
    assert 'id="edit-form"' in html
    assert "csrfmiddlewaretoken" in html


def test_superusers_may_operate_without_the_group(world, db):
    admin = User.objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(admin)
    url = f"/console/outages/{world.open_outage.pk}/updates/"
    response = client.post(url, {"status": "identified", "message": "Provider confirmed."})
    assert response.status_code == 302
    assert world.open_outage.updates.filter(message="Provider confirmed.").exists()


def test_posts_without_a_csrf_token_are_rejected(world, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.operator)
    before = snapshot()
    for url, data in actions(world):
        assert client.post(url, data).status_code == 403, url
    assert snapshot() == before


def test_posts_with_the_csrf_token_from_the_page_work(world, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.operator)
    client.get(f"/console/outages/{world.open_outage.pk}/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/console/outages/{world.open_outage.pk}/updates/",
        {"status": "identified", "message": "Root cause found.", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("method", ["put", "delete"])
def test_pages_only_answer_get(world, operator_client, method):
    response = getattr(operator_client, method)("/console/")
    assert response.status_code == 405
