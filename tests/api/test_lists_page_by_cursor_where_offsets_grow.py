"""Outages, probe results and event deliveries page by keyset: following `next` walks every
row once, in order, even while rows are inserted; `?page=N` still works; `previous` walks
back; a cursor the list did not give out is a JSON 400."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Outage
from tests.factories import CustomerFactory, ProbeFactory, WorkflowFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 9, 1, tzinfo=UTC)


def make_outages(workflow, count: int, offset: int = 0, same_start: bool = False) -> None:
    Outage.objects.bulk_create(
        Outage(
            workflow=workflow,
            started_at=START + timedelta(hours=0 if same_start else offset + n),
            ended_at=START + timedelta(hours=offset + n, minutes=30),
            severity="down",
            source="manual",
        )
        for n in range(count)
    )


def expected_order() -> list[int]:
    return list(Outage.objects.order_by("-started_at", "-id").values_list("pk", flat=True))


def walk(client, url: str, pages: int) -> tuple[list[int], list[dict]]:
    seen, bodies = [], []
    for _ in range(pages):
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        bodies.append(body)
        seen.extend(row["id"] for row in body["results"])
        url = body["next"]
        if url is None:
            break
    return seen, bodies


@pytest.fixture
def workflow(customer):
    return WorkflowFactory(customer=customer)


def test_following_next_returns_every_row_once_in_order(customer_client, workflow):
    make_outages(workflow, 30)
    seen, bodies = walk(customer_client, "/api/v1/outages/?page_size=10", 4)
    assert seen == expected_order()
    assert [len(b["results"]) for b in bodies] == [10, 10, 10]
    assert all(b["count"] == 30 for b in bodies)
    assert "cursor=" in bodies[0]["next"] and "page=" not in bodies[0]["next"]
    assert bodies[0]["previous"] is None and bodies[-1]["next"] is None


def test_rows_inserted_between_requests_neither_repeat_nor_drop_one(customer_client, workflow):
    make_outages(workflow, 30)
    first_walk = expected_order()
    first = customer_client.get("/api/v1/outages/?page_size=10").json()
    make_outages(workflow, 5, offset=100)  # newer than every row: would shift offset pages
    second = customer_client.get(first["next"]).json()
    make_outages(workflow, 5, offset=200)
    third = customer_client.get(second["next"]).json()
    seen = [row["id"] for body in (first, second, third) for row in body["results"]]
    assert seen == first_walk
    assert third["count"] == 40


def test_ties_on_the_start_time_are_broken_by_id(customer_client, workflow):
    make_outages(workflow, 25, same_start=True)
    seen, _ = walk(customer_client, "/api/v1/outages/?page_size=7", 10)
    assert seen == expected_order()
    assert len(set(seen)) == 25


def test_previous_walks_back_and_page_numbers_still_work(customer_client, workflow):
    make_outages(workflow, 30)
    order = expected_order()
    second = customer_client.get("/api/v1/outages/?page_size=10&page=2").json()
    assert [row["id"] for row in second["results"]] == order[10:20]
    assert second["count"] == 30
    back = customer_client.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == order[:10]
    assert back["previous"] is None
    onwards = customer_client.get(second["next"]).json()
    assert [row["id"] for row in onwards["results"]] == order[20:]


def test_filters_and_tenancy_hold_on_cursor_pages(customer_client, workflow):
    make_outages(workflow, 12)
    stranger = WorkflowFactory(customer=CustomerFactory())
    make_outages(stranger, 12, offset=1)
    seen, bodies = walk(customer_client, "/api/v1/outages/?page_size=5&severity=down", 5)
    assert seen == list(
        Outage.objects.filter(workflow=workflow)
        .order_by("-started_at", "-id")
        .values_list("pk", flat=True)
    )
    assert "severity=down" in bodies[0]["next"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "eyJwIjpbXX0",  # {"p":[]}
        "eyJwIjpbIm5vdCBhIHRpbWUiLDFdLCJiIjpmYWxzZX0",  # {"p":["not a time",1],"b":false}
        "eyJwIjpbIjIwMjYtMDktMDFUMDA6MDA6MDArMDA6MDAiLDFlMzBdLCJiIjpmYWxzZX0",  # id 1e30
        "eyJwIjpbIjIwMjYtMDktMDFUMDA6MDA6MDArMDA6MDAiLDk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5XSwiYiI6ZmFsc2V9",
    ],
)
def test_a_bad_cursor_is_a_json_400(customer_client, workflow, cursor):
    make_outages(workflow, 3)
    response = customer_client.get(f"/api/v1/outages/?cursor={cursor}")
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_cursor_and_page_together_are_a_400(customer_client, workflow):
    make_outages(workflow, 3)
    first = customer_client.get("/api/v1/outages/?page_size=1").json()
    response = customer_client.get(first["next"] + "&page=2")
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_a_deep_cursor_page_reads_as_few_rows_and_queries_as_the_first(customer_client, workflow):
    make_outages(workflow, 60)
    first = customer_client.get("/api/v1/outages/?page_size=5").json()
    url = first["next"]
    for _ in range(8):
        url = customer_client.get(url).json()["next"]
    with CaptureQueriesContext(connection) as deep:
        body = customer_client.get(url).json()
    assert [row["id"] for row in body["results"]] == expected_order()[45:50]
    sql = " ".join(q["sql"] for q in deep.captured_queries).upper()
    assert "OFFSET" not in sql
    with CaptureQueriesContext(connection) as shallow:
        customer_client.get("/api/v1/outages/?page_size=5")
    assert len(deep.captured_queries) == len(shallow.captured_queries)


def test_probe_results_follow_next_too(customer_client, workflow):
    probe = ProbeFactory(workflow=workflow, locations=["eu-west"])
    results = [
        {
            "probe": probe.pk,
            "location": "eu-west",
            "observed_at": (START + timedelta(minutes=m // 2)).isoformat(),
            "outcome": "up",
            "id": f"r-{m}",
        }
        for m in range(23)
    ]
    assert (
        customer_client.post("/api/v1/probe-results/", {"results": results}, format="json")
    ).status_code == 201
    seen, bodies = [], []
    url = "/api/v1/probe-results/?page_size=10"
    while url:
        body = customer_client.get(url).json()
        bodies.append(body)
        seen.extend((row["observed_at"], row["id"]) for row in body["results"])
        url = body["next"]
    assert len(bodies) == 3 and len(seen) == 23 == len(set(seen))
    assert [at for at, _ in seen] == sorted((at for at, _ in seen), reverse=True)
    assert parse_qs(urlsplit(bodies[0]["next"]).query)["page_size"] == ["10"]


def test_listed_outages_name_their_probes_in_probe_order(customer_client, workflow):
    probes = [ProbeFactory(workflow=workflow, name=name) for name in ("b-probe", "a-probe")]
    outage = Outage.objects.create(
        workflow=workflow, started_at=START, ended_at=START + timedelta(hours=1), source="probe"
    )
    outage.probes.set(probes)
    [row] = customer_client.get("/api/v1/outages/").json()["results"]
    assert row["probes"] == [probes[1].pk, probes[0].pk]
