"""The console's event endpoints page: create (secret shown once), the test button through
the real delivery path to a local receiver, the delivery log, pause and delete; operators
change, read-only staff look."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from continuity.models import EventDelivery, EventEndpoint
from tests.events.receiver import Receiver, signature_valid
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def acme():
    return CustomerFactory(slug="acme", name="Acme")


def add(client, **fields):
    return client.post("/console/events/create/", fields)


def test_create_shows_the_secret_once(operator_client, acme, receiver):
    response = add(
        operator_client,
        customer="acme",
        kind="webhook",
        url=receiver.url,
        events=["outage.opened", "rto.missed"],
    )
    assert response.status_code == 200
    endpoint = EventEndpoint.objects.get()
    assert (endpoint.customer, endpoint.events) == (acme, ["outage.opened", "rto.missed"])
    html = response.content.decode()
    assert re.search(r'id="secret">(whsec_[^<]+)<', html).group(1) == endpoint.secret
    assert response["Cache-Control"] == "no-store"

    page = operator_client.get("/console/events/").content.decode()
    assert endpoint.secret not in page
    assert f'data-endpoint="{endpoint.pk}"' in page and "rto.missed" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "webhook", "url": "http://127.0.0.1:9/hook"}, "OUTBOUND_ALLOWED_NETWORKS"),
        ({"kind": "email", "url": "mailto:nobody"}, "is not an email address"),
        ({"kind": "apprise", "url": "nope://x"}, "Apprise does not understand"),
        ({"kind": "webhook", "url": "https://a.example/", "customer": "nope"}, "No such customer"),
        ({"kind": "carrier-pigeon", "url": "https://a.example/"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_400_and_creates_nothing(operator_client, acme, fields, message):
    response = add(operator_client, **{"customer": "acme", **fields})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EventEndpoint.objects.exists()


def test_the_test_button_delivers_through_the_real_path_and_the_log_shows_it(
    operator_client, acme, receiver
):
    endpoint = EventEndpoint.objects.create(
        customer=acme, url=receiver.url, events=["outage.opened"]
    )
    receiver.statuses = [503]
    response = operator_client.post(f"/console/events/{endpoint.pk}/test/", follow=True)
    assert "Test event pending (HTTP 503): TransientError: HTTP 503" in response.content.decode()

    response = operator_client.post(f"/console/events/{endpoint.pk}/test/", follow=True)
    assert "Test event delivered (HTTP 200)." in response.content.decode()
    assert len(receiver.seen) == 2
    headers, body = receiver.seen[-1]
    assert signature_valid(endpoint.secret, headers, body)
    assert json.loads(body)["type"] == "endpoint.test"  # sent despite the endpoint's filter

    html = operator_client.get(f"/console/events/?endpoint={endpoint.pk}").content.decode()
    for row in EventDelivery.objects.all():
        cells = re.search(rf'data-delivery="{row.pk}">(.*?)</tr>', html, re.S).group(1)
        assert f'<td class="num" data-status>{row.status_code}</td>' in cells
        assert f'<td class="num" data-attempts>{row.attempts}</td>' in cells
    failed = EventDelivery.objects.get(status_code=503)
    assert (failed.state, failed.last_error) == ("pending", "TransientError: HTTP 503")
    assert 'title="TransientError: HTTP 503"' in html


def test_pause_then_delete(operator_client, acme, receiver):
    endpoint = EventEndpoint.objects.create(customer=acme, url=receiver.url)
    operator_client.post(f"/console/events/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert "Resume" in operator_client.get("/console/events/").content.decode()
    operator_client.post(f"/console/events/{endpoint.pk}/delete/")
    assert not EventEndpoint.objects.exists()


def test_read_only_staff_see_the_page_but_change_nothing(
    readonly_client, anonymous_client, acme, receiver
):
    endpoint = EventEndpoint.objects.create(customer=acme, url=receiver.url)
    page = readonly_client.get("/console/events/")
    assert page.status_code == 200
    assert "Send test" not in page.content.decode()
    for path in ("test", "toggle", "delete"):
        assert readonly_client.post(f"/console/events/{endpoint.pk}/{path}/").status_code == 403
    assert (
        add(readonly_client, customer="acme", kind="webhook", url=receiver.url).status_code == 403
    )
    assert anonymous_client.get("/console/events/").status_code == 302
    assert EventEndpoint.objects.get().active and receiver.seen == []
    assert EventEndpoint.objects.count() == 1


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/console/events/").status_code == 200
    return len(ctx.captured_queries)


def _endpoints_with_deliveries(n: int) -> None:
    for index in range(n):
        endpoint = EventEndpoint.objects.create(
            customer=CustomerFactory(), url=f"https://hooks.example/{index}"
        )
        for key in ("a", "b", "c"):
            EventDelivery.objects.create(
                endpoint=endpoint, event_type="outage.opened", idempotency_key=key, status_code=200
            )


def test_the_page_reads_in_the_same_queries_for_one_or_many_endpoints(operator_client):
    _endpoints_with_deliveries(1)
    operator_client.get("/console/events/")  # warm up: session, content types
    small = _queries(operator_client)
    _endpoints_with_deliveries(6)
    assert _queries(operator_client) == small <= 8
