"""Every console page and the status page read in a bounded number of queries: the count is
the same for one customer as for several with more outages, updates, results and reports."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import Report, ReportState
from tests.console import seed
from tests.console.conftest import NOW

# Upper bounds, checked with django_assert_max_num_queries; the equality check below is
# what shows the count does not depend on the amount of data.
MAX_QUERIES = {
    "overview": 15,
    "fragment": 14,
    "outage": 14,
    "workflow": 22,
    "reports": 8,
    "status": 12,
}


def urls(world) -> dict[str, str]:
    return {
        "overview": "/console/",
        "fragment": "/console/overview/fragment/",
        "outage": f"/console/outages/{world.open_outage.pk}/",
        "workflow": f"/console/workflows/{world.chatbot.pk}/",
        "reports": "/console/reports/",
        "status": f"/status/{world.customer.slug}/",
    }


def reports_for(world, periods=("2026-07", "2026-08", "2026-09")) -> None:
    for period in periods:
        Report.objects.create(
            customer=world.customer, period=period, state=ReportState.SENT, sha256="ab" * 32
        )


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", list(MAX_QUERIES))
def test_query_count_is_bounded_and_independent_of_data_size(
    world, operator_client, django_assert_max_num_queries, page
):
    reports_for(world)
    url = urls(world)[page]
    operator_client.get(url)  # warm up: session, content types
    small = count(operator_client, url)

    for index in (2, 3, 4):
        other = seed.customer_world(index, now=NOW)
        reports_for(other)
    seed.grow(world, now=NOW, extra=6)
    reports_for(world, periods=("2026-04", "2026-05", "2026-06"))

    with django_assert_max_num_queries(MAX_QUERIES[page]):
        large = count(operator_client, url)
    print(f"{page}: {small} queries with little data, {large} with more")
    assert large == small, f"{page}: {small} queries with little data, {large} with more"


def test_read_only_pages_query_the_same(world, readonly_client, django_assert_max_num_queries):
    for page, url in urls(world).items():
        readonly_client.get(url)
        with django_assert_max_num_queries(MAX_QUERIES[page]):
            readonly_client.get(url)
