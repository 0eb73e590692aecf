"""The report archive's download button gives the rendered PDF to a staff session."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reports import services
from reports.periods import previous_month
from tests.browser.helpers import login, scene

pytestmark = pytest.mark.browser


def test_the_report_pdf_downloads(server, context, screenshot):
    world = scene()
    customer = world.main.customer
    period = previous_month(timezone.now(), customer.timezone).label
    report, _ = services.report_generate(customer=customer, period=period, queue=False)
    report = services.report_render(report_id=report.pk)

    page = context.new_page()
    login(page, server, "rita", next_url="/console/reports/")
    row = page.locator(f'tr[data-report="{report.pk}"]')
    expect(row).to_contain_text(period)
    expect(row).to_contain_text("rendered")
    expect(row.locator("form")).to_have_count(0)  # read-only staff: no buttons
    screenshot(page, "reports")
    with page.expect_download() as info:
        row.get_by_role("link", name="PDF").click()
    download = info.value
    assert download.suggested_filename == f"continuity-acme-1-{period}-rev1.pdf"
    with open(download.path(), "rb") as pdf:
        content = pdf.read()
    assert content.startswith(b"%PDF-")
    assert len(content) > 2000
