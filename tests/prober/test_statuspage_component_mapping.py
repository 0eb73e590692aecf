"""A local server in Statuspage's `summary.json` format: each component status maps right."""

import pytest

from incidents.prober.runner import run_checks_sync
from incidents.prober.spec import CheckSpec
from incidents.prober.statuspage import classify_summary, summary_url


def watch(url: str, component: str = "API"):
    spec = CheckSpec(
        probe_id=5, kind="statuspage", target=url, statuspage_component=component, timeout_ms=2000
    )
    [result] = run_checks_sync([spec], environ={})
    return result


@pytest.mark.parametrize(
    ("status", "outcome", "error"),
    [
        ("operational", "up", ""),
        ("degraded_performance", "degraded", "status page reports API as degraded_performance"),
        ("partial_outage", "down", "status page reports API as partial_outage"),
        ("major_outage", "down", "status page reports API as major_outage"),
        ("under_maintenance", "up", "note: API is under maintenance"),
    ],
)
def test_component_status_maps_to_outcome(statuspage, status, outcome, error):
    statuspage.statuses = {"ChatGPT": "major_outage", "API": status}
    result = watch(statuspage.url)
    assert (result.outcome, result.error, result.status_code) == (outcome, error, 200)
    [seen] = statuspage.requests()
    assert seen.path == "/api/v2/summary.json"


def test_component_name_is_case_insensitive(statuspage):
    statuspage.statuses = {"API": "partial_outage"}
    assert watch(statuspage.url, "api").outcome == "down"


def test_incident_name_is_in_the_error(statuspage):
    statuspage.statuses = {"API": "major_outage", "ChatGPT": "operational"}
    statuspage.incident = "Elevated error rates on the API"
    result = watch(statuspage.url)
    assert result.error == (
        "status page reports API as major_outage — incident: Elevated error rates on the API"
    )


def test_unknown_component_is_down_and_names_the_known_ones(statuspage):
    statuspage.statuses = {"API": "operational", "ChatGPT": "operational"}
    result = watch(statuspage.url, "Sora")
    assert result.outcome == "down"
    assert result.error == "component 'Sora' is not on the status page (it has: API, ChatGPT)"


def test_status_page_unreachable_is_down(statuspage):
    statuspage.stop()
    result = watch(statuspage.url)
    assert result.outcome == "down"
    assert result.error.startswith("status page: connection refused by 127.0.0.1")


@pytest.mark.parametrize(
    ("document", "error"),
    [
        (None, "malformed status page: no 'components' list in summary.json"),
        ({"page": {}}, "malformed status page: no 'components' list in summary.json"),
        (
            {"components": [{"name": "API", "status": "on_fire"}]},
            "component 'API' has an unknown status 'on_fire'",
        ),
    ],
)
def test_malformed_summaries_are_down(document, error):
    assert classify_summary(document, "API") == ("down", error)


def test_grouped_component_by_group_and_name():
    summary = {
        "components": [
            {"id": "g", "name": "Azure OpenAI", "status": "partial_outage", "group": True},
            {"id": "c", "name": "West Europe", "status": "degraded_performance", "group_id": "g"},
        ]
    }
    assert classify_summary(summary, "Azure OpenAI / West Europe")[0] == "degraded"


@pytest.mark.parametrize(
    ("target", "url"),
    [
        ("https://status.openai.com", "https://status.openai.com/api/v2/summary.json"),
        ("https://status.openai.com/", "https://status.openai.com/api/v2/summary.json"),
        ("https://x.example/api/v2/summary.json", "https://x.example/api/v2/summary.json"),
    ],
)
def test_summary_url(target, url):
    assert summary_url(target) == url
