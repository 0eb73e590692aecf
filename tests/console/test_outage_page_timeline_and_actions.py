"""The outage page: its SVG timeline and list, and the operator's actions through the
services, with the services' refusals shown and nothing changed."""

import re
from datetime import timedelta

from continuity.models import FallbackActivation, StepCompletion
from incidents.models import Outage
from incidents.services.fallbacks import fallback_activate
from tests.console.conftest import NOW


def url(outage, suffix=""):
    return f"/console/outages/{outage.pk}/{suffix}"


def test_timeline_svg_has_the_outage_evidence_updates_and_rto(world, readonly_client):
    html = readonly_client.get(url(world.open_outage)).content.decode()
    svg = html[html.index('<svg class="timeline"') : html.index("</svg>")]
    assert 'class="tl-outage tl-down tl-open"' in svg
    for location in ("eu-west", "us-east", "ap-south"):
        assert f">{location}</text>" in svg
    assert svg.count("tl-evidence tl-down") == 2
    assert "opening evidence: down at 13:35:00" in svg  # Europe/Berlin (UTC+2)
    assert svg.count('class="tl-result tl-down"') > 20
    assert 'class="tl-result tl-up"' in svg  # results before the outage
    assert 'class="tl-diamond"' in svg  # the status update
    assert "RTO deadline (15 min) at 13:50:00" in svg
    assert ">now</text>" in svg
    # the list next to it
    assert "Chat answers fail; the provider reports elevated errors." in html
    assert "2026-10-20 13:35:00 CEST" in html


def test_resolved_outage_shows_fallback_span_and_step_completions(world, readonly_client):
    html = readonly_client.get(url(world.resolved_outage)).content.decode()
    assert 'class="tl-fallback"' in html
    assert 'class="tl-check"' in html
    assert ">step 1</text>" in html
    assert "Entered by hand: no probe evidence." in html
    assert "The outage has ended." in html
    assert "✓ 2026-10-19 11:10 CEST" in html


def test_the_chronology_lists_every_event_in_order(world, readonly_client):
    html = readonly_client.get(url(world.resolved_outage)).content.decode()
    chronology = html[
        html.index('id="chronology"') : html.index("</table>", html.index('id="chronology"'))
    ]
    texts = re.findall(r"<td>([^<]+)</td></tr>", chronology)
    assert texts == [
        "Down outage began",
        "Fallback &#x27;Switch to Azure OpenAI&#x27; activated by olga (80% effective)",
        "Step 1 done: Flip the provider flag",
        "RTO deadline (30 min)",
        "Outage ended",
        "Fallback &#x27;Switch to Azure OpenAI&#x27; deactivated",
        "resolved: Orders flow again.",
    ]


def test_post_an_update(world, operator_client):
    response = operator_client.post(
        url(world.open_outage, "updates/"),
        {"status": "identified", "message": "Provider confirmed a regional failure."},
    )
    assert response.status_code == 302
    assert response["Location"] == url(world.open_outage) + "#updates"
    update = world.open_outage.updates.get(status="identified")
    assert update.author.username == "olga"
    page = operator_client.get(response["Location"]).content.decode()
    assert "Update posted (identified)." in page
    assert "Provider confirmed a regional failure." in page


def test_an_empty_update_is_refused_and_nothing_is_stored(world, operator_client):
    response = operator_client.post(
        url(world.open_outage, "updates/"), {"status": "identified", "message": "   "}
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert world.open_outage.updates.count() == 1


def test_activate_the_fallback_then_deactivate_it(world, operator_client):
    response = operator_client.post(
        url(world.open_outage, "fallback/activate/"),
        {"runbook": world.runbook.pk, "effectiveness_pct": "60", "notes": "EU region"},
    )
    assert response.status_code == 302
    activation = FallbackActivation.objects.get(outage=world.open_outage)
    assert activation.effectiveness_pct == 60
    assert activation.activated_by == "olga"
    assert activation.activated_at == NOW
    page = operator_client.get(url(world.open_outage)).content.decode()
    assert "Fallback &#x27;Switch to Azure OpenAI&#x27; activated at 60% effectiveness." in page
    assert 'id="deactivate-form"' in page
    assert 'id="activate-form"' not in page

    response = operator_client.post(url(world.open_outage, f"fallback/{activation.pk}/deactivate/"))
    assert response.status_code == 302
    activation.refresh_from_db()
    assert activation.deactivated_at == NOW
    assert activation.deactivated_by == "olga"


def test_the_runbook_default_effectiveness_applies_when_left_empty(world, operator_client):
    operator_client.post(
        url(world.open_outage, "fallback/activate/"), {"runbook": world.runbook.pk}
    )
    assert FallbackActivation.objects.get(outage=world.open_outage).effectiveness_pct == 80


def test_a_second_activation_is_refused_with_the_service_message(world, operator_client):
    fallback_activate(outage=world.open_outage, runbook=world.runbook)
    response = operator_client.post(
        url(world.open_outage, "fallback/activate/"), {"runbook": world.runbook.pk}
    )
    assert response.status_code == 409
    assert "already has an active fallback" in response.content.decode()
    assert FallbackActivation.objects.filter(outage=world.open_outage).count() == 1


def test_another_workflows_runbook_cannot_be_chosen(world, operator_client):
    other = world.resolved_outage.fallback_activations.get().runbook
    response = operator_client.post(
        url(world.open_outage, "fallback/activate/"), {"runbook": other.pk}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not FallbackActivation.objects.filter(outage=world.open_outage).exists()


def test_effectiveness_out_of_range_is_a_form_error(world, operator_client):
    response = operator_client.post(
        url(world.open_outage, "fallback/activate/"),
        {"runbook": world.runbook.pk, "effectiveness_pct": "140"},
    )
    assert response.status_code == 400
    assert "less than or equal to 100" in response.content.decode()


def test_mark_steps_done_once(world, operator_client):
    activation = fallback_activate(outage=world.open_outage, runbook=world.runbook)
    step_url = url(world.open_outage, f"fallback/{activation.pk}/steps/")
    assert operator_client.post(step_url, {"order": 2}).status_code == 302
    done = StepCompletion.objects.get(activation=activation)
    assert (done.step_order, done.title, done.completed_by) == (2, "Tell support leads", "olga")
    again = operator_client.post(step_url, {"order": 2})
    assert again.status_code == 409
    assert "Step 2 is already done." in again.content.decode()
    missing = operator_client.post(step_url, {"order": 7})
    assert missing.status_code == 400
    assert "has no step 7" in missing.content.decode()


def test_an_activation_of_another_outage_is_not_found(world, operator_client):
    activation = world.resolved_outage.fallback_activations.get()
    response = operator_client.post(url(world.open_outage, f"fallback/{activation.pk}/deactivate/"))
    assert response.status_code == 404


def test_set_root_cause_and_exclusion_with_a_reason(world, operator_client):
    response = operator_client.post(
        url(world.open_outage, "edit/"),
        {
            "summary": "Chatbot down",
            "root_cause": "Provider outage",
            "excluded_from_sla": "on",
            "exclusion_reason": "Customer asked to pause the chatbot",
        },
    )
    assert response.status_code == 302
    outage = Outage.objects.get(pk=world.open_outage.pk)
    assert outage.root_cause == "Provider outage"
    assert outage.excluded_from_sla
    assert outage.exclusion_reason == "Customer asked to pause the chatbot"


def test_an_exclusion_without_a_reason_is_refused(world, operator_client):
    response = operator_client.post(
        url(world.open_outage, "edit/"),
        {"root_cause": "Provider outage", "excluded_from_sla": "on"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Excluding an outage from the SLA needs an exclusion_reason." in html
    # the form keeps what was typed
    assert re.search(r"<textarea[^>]*name=\"root_cause\"[^>]*>\s*Provider outage</textarea>", html)
    outage = Outage.objects.get(pk=world.open_outage.pk)
    assert (outage.root_cause, outage.excluded_from_sla) == ("", False)


def test_unknown_outage_is_404(world, readonly_client):
    assert readonly_client.get("/console/outages/999999/").status_code == 404


def test_long_outage_has_a_bounded_strip(world, readonly_client, monkeypatch):
    monkeypatch.setattr("console.pages.outage_page.MAX_RESULTS", 10)
    html = readonly_client.get(url(world.open_outage)).content.decode()
    assert html.count('class="tl-result') <= 10
    assert html.count("tl-evidence") == 2  # evidence is always drawn
    assert "Only the first results of this long outage are drawn" in html
    assert world.open_outage.started_at < NOW - timedelta(minutes=20)
