"""Reading `/metrics` as Prometheus would: through the official client's text parser."""

from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-token-for-the-tests-0123456789"


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client, token: str = TOKEN) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return samples(response.content.decode())


def of_workflow(found: dict, workflow, **extra: str) -> dict[str, float]:
    """The samples labelled with this workflow (and `extra`), by metric name."""
    labels = {("workflow", str(workflow.pk)), ("customer", workflow.customer.slug)}
    labels |= set(extra.items())
    return {name: value for (name, got), value in found.items() if got == labels}


def names(found: dict) -> set[str]:
    return {name for name, _ in found}
