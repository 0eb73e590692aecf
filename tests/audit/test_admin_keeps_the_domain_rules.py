"""The admin goes through the services and the database refuses what no path may do."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from incidents.models import NoDataSpan, Outage, OutageNotification, ProbeResult
from tests.audit.admin_forms import form_errors, post_change_form
from tests.audit.conftest import START, events, manual_outage
from tests.factories import ProbeFactory
from tests.smtp import body

pytestmark = pytest.mark.django_db

OUTAGE_FORM = "outage_form"


def outage_url(outage: Outage) -> str:
    return f"/admin/incidents/outage/{outage.pk}/change/"


def test_derived_outage_times_cannot_be_edited(admin_session, auditor, workflow):
    outage = manual_outage(workflow, source="probe", ended_at=START + timedelta(hours=1))
    response = post_change_form(
        admin_session,
        outage_url(outage),
        OUTAGE_FORM,
        started_at_0="2026-10-01",
        started_at_1="00:00:00",
        ended_at_0="2026-10-31",
        ended_at_1="00:00:00",
        root_cause="Upstream DNS",
    )
    assert response.status_code == 302, form_errors(response)
    outage.refresh_from_db()
    assert (outage.started_at, outage.ended_at) == (START, START + timedelta(hours=1))
    assert outage.root_cause == "Upstream DNS"
    (update,) = [e for e in events(auditor, object_type="outage") if e["action"] == "update"]
    assert update["changes"] == {"root_cause": ["", "Upstream DNS"]}


def test_derived_outage_cannot_be_deleted_but_manual_one_can(admin_session, workflow):
    derived = manual_outage(workflow, source="probe")
    manual = manual_outage(workflow)
    refused = admin_session.post(f"/admin/incidents/outage/{derived.pk}/delete/", {"post": "yes"})
    assert refused.status_code == 403
    deleted = admin_session.post(f"/admin/incidents/outage/{manual.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert list(Outage.objects.values_list("pk", flat=True)) == [derived.pk]


def test_admin_exclusion_without_reason_is_refused(admin_session, workflow):
    outage = manual_outage(workflow)
    response = post_change_form(
        admin_session, outage_url(outage), OUTAGE_FORM, excluded_from_sla="on", exclusion_reason=" "
    )
    assert response.status_code == 200
    assert "Excluding an outage from the SLA needs a reason." in response.content.decode()
    outage.refresh_from_db()
    assert not outage.excluded_from_sla


def test_database_refuses_exclusion_without_reason(workflow):
    outage = manual_outage(workflow)
    with pytest.raises(IntegrityError), transaction.atomic():
        Outage.objects.filter(pk=outage.pk).update(excluded_from_sla=True)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Outage._meta.db_table} SET excluded_from_sla = true WHERE id = %s",
            [outage.pk],
        )
    Outage.objects.filter(pk=outage.pk).update(excluded_from_sla=True, exclusion_reason="freeze")
    outage.refresh_from_db()
    assert outage.excluded_from_sla


def test_inline_status_update_is_mailed_once(
    admin_session, auditor, customer, workflow, smtp, django_capture_on_commit_callbacks
):
    customer.notify_outage_emails = True
    customer.save()
    outage = manual_outage(workflow)
    new_update = {
        "updates-TOTAL_FORMS": "1",
        "updates-0-status": "identified",
        "updates-0-message": "The AI provider is down globally.",
        "updates-0-posted_at_0": "2026-10-14",
        "updates-0-posted_at_1": "13:45:00",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = post_change_form(admin_session, outage_url(outage), OUTAGE_FORM, **new_update)
    assert response.status_code == 302, form_errors(response)
    with django_capture_on_commit_callbacks(execute=True):
        again = post_change_form(admin_session, outage_url(outage), OUTAGE_FORM)
    assert again.status_code == 302, form_errors(again)
    assert [m["Subject"] for m in smtp.messages] == ["[Update] Support chatbot: identified"]
    assert "The AI provider is down globally." in body(smtp.messages[0])
    assert OutageNotification.objects.get().state == "sent"
    update = outage.updates.get()
    assert update.author.get_username() == "root"
    (event,) = [
        e for e in events(auditor, object_type="outage") if e["action"].startswith("status")
    ]
    assert (event["action"], event["actor"], event["channel"]) == (
        "status_update_create",
        "root",
        "admin",
    )


def test_no_data_spans_and_results_are_read_only(admin_session, workflow):
    span = NoDataSpan.objects.create(workflow=workflow, started_at=START)
    probe = ProbeFactory(workflow=workflow)
    result = ProbeResult.objects.create(
        probe=probe, location="eu-west", observed_at=START, outcome="up"
    )
    for url in (
        f"/admin/incidents/nodataspan/{span.pk}/change/",
        f"/admin/incidents/proberesult/{result.pk}/change/",
    ):
        assert admin_session.get(url).status_code == 200
        assert admin_session.post(url, {"started_at_0": "2026-10-01"}).status_code == 403
    for url in ("/admin/incidents/nodataspan/add/", "/admin/incidents/proberesult/add/"):
        assert admin_session.get(url).status_code == 403
    span.refresh_from_db()
    assert span.started_at == START


def test_fallback_activations_are_not_added_or_deleted_around_the_service(admin_session):
    assert admin_session.get("/admin/continuity/fallbackactivation/add/").status_code == 403
