"""The console links each report to its period's SLA CSV, and the overview to the
month-to-date CSV and the open outages' CSV; the links work for a staff session."""

import csv
import html
import io
import re

import pytest

from reports import services


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def csv_links(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]*format=csv[^"]*)"', page)]


def rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode("utf-8")
    return list(csv.DictReader(io.StringIO(content)))


def test_the_archive_has_a_csv_beside_the_pdf_with_the_reports_figures(world, readonly_client):
    report, _ = services.report_generate(customer=world.customer, period="2026-09", queue=False)
    report = services.report_render(report_id=report.pk)
    page = readonly_client.get("/console/reports/").content.decode()
    [link] = csv_links(page)
    assert link == "/api/v1/sla/?customer=acme-1&period=2026-09&format=csv"
    exported = rows(readonly_client.get(link))
    for figures, row in zip(report.figures["workflows"], exported[:-1], strict=True):
        assert row["workflow"] == str(figures["workflow"])
        # a CSV cell is empty where the JSON has null (September precedes the probes'
        # first results, so it is no data: SPEC §3)
        assert row["availability_pct"] == (figures["availability_pct"] or "")
        assert row["availability_display"] == (figures["availability_display"] or "")
    assert exported[-1]["row"] == "summary"
    summary = report.figures["summary"]["availability_display"]
    assert exported[-1]["availability_display"] == (summary or "")


def test_the_overview_links_month_to_date_and_open_outage_csvs(world, readonly_client):
    page = readonly_client.get("/console/?customer=acme-1").content.decode()
    links = csv_links(page)
    assert "/api/v1/outages/?state=open&customer=acme-1&format=csv" in links
    assert "/api/v1/sla/?customer=acme-1&format=csv" in links
    open_rows = rows(readonly_client.get("/api/v1/outages/?state=open&customer=acme-1&format=csv"))
    assert [row["ended_at"] for row in open_rows] == [""] * len(open_rows)
    assert {row["customer_slug"] for row in open_rows} == {"acme-1"}
    assert len(open_rows) == 1
    month = rows(readonly_client.get("/api/v1/sla/?customer=acme-1&format=csv"))
    assert month[0]["period"] == "2026-10"
