"""`make demo` loads the last complete month and the current month to now, wherever the
clock stands: its printed figures are the API's, and both match a hand oracle of the
simulated outage pattern (DST months included)."""

import email
import email.policy
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from wcwidth import wcswidth

from console.demo import LIVE_WORKFLOW
from continuity.formatting import minutes
from reports.models import Report
from tests.factories import make_key

pytestmark = pytest.mark.django_db(transaction=True)

# The provider outage runs 13:20-17:05 UTC on the 14th. Results come every 5 minutes, the
# locations 7 s apart (at :03, :10, :17): with three locations the quorum of two fails at
# :10 and recovers at :10, 225 minutes exactly; with two (both must fail) it is 7 s less.
PROVIDER_OUTAGE_3_LOCATIONS = 225 * 60
PROVIDER_OUTAGE_2_LOCATIONS = 225 * 60 - 7
NOTEBOOKS_BLIP_2_LOCATIONS = 30 * 60 - 7  # the 12th, 20:00-20:30 UTC


@pytest.fixture
def demo_dirs(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path
    settings.BROKER_DIR = tmp_path / "broker"
    (tmp_path / "broker" / "queue").mkdir(parents=True)
    return tmp_path


def load_demo_at(instant: datetime) -> str:
    out = io.StringIO()
    with time_machine.travel(instant, tick=False):
        call_command("load_demo", force=True, stdout=out)
    return out.getvalue()


def sla(client, customer: str, period: str, now: datetime) -> dict:
    with time_machine.travel(now, tick=False):
        response = client.get(f"/api/v1/sla/?customer={customer}&period={period}")
    assert response.status_code == 200, response.content
    return response.json()


def table(output: str, heading: str) -> list[str]:
    """The lines of the printed table under ``heading`` (its header line first)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    rows = []
    for line in lines[start + 1 :]:
        if not line.startswith("  ") or line.startswith(("  SLA ", "  Downtime")):
            break
        rows.append(line)
    return rows


def printed_row(rows: list[str], name: str) -> list[str]:
    [line] = [row for row in rows if row.startswith(f"  {name} ")]
    return line[len(name) + 2 :].split()


def assert_printed_equals_api(output: str, body: dict, label: str, tz: str) -> None:
    rows = table(output, f"  SLA {label} ({tz}")
    widths = {wcswidth(row) for row in rows if not row.startswith((" " * 37, "  customer "))}
    assert len(widths) == 1, rows  # aligned, Chinese names included
    printed = [row for row in body["workflows"] if row["name"] != LIVE_WORKFLOW]
    assert len(printed) == len(rows) - 2 - sum(row.startswith(" " * 37) for row in rows)
    for row in printed:  # the live workflow is added after the tables: it starts now
        target, availability, met, down, *_ = printed_row(rows, row["name"])
        assert availability == row["availability_display"]
        assert met == ("yes" if row["met"] else "NO")
        assert down == minutes((Decimal(row["down_minutes"]) * 60).quantize(Decimal(1)))


def seconds(row: dict) -> Decimal:
    """The API's down minutes (to 1/1000 minute, 0.06 s) back in whole seconds."""
    return (Decimal(row["down_minutes"]) * 60).quantize(Decimal(1))


def by_name(body: dict) -> dict:
    return {row["name"]: row for row in body["workflows"]}


def availability(period_minutes: int, down_seconds: int) -> Decimal:
    total = Decimal(period_minutes * 60)
    return (total - down_seconds) / total * 100


def check_month(output, client, now, label, months: dict[str, int]) -> dict[str, dict]:
    """The complete month's figures per customer: printed = API, and the period lengths."""
    bodies = {}
    for slug, tz in (
        ("northwind", "Europe/Berlin"),
        ("kaiyuan", "Asia/Shanghai"),
        ("lumen", "America/New_York"),
    ):
        body = sla(client, slug, label, now)
        assert Decimal(body["period"]["minutes"]) == months[tz]
        assert_printed_equals_api(output, body, label, tz)
        bodies[slug] = by_name(body)
    return bodies


def check_reports(var, label: str) -> None:
    reports = Report.objects.filter(is_current=True)
    assert sorted(reports.values_list("customer__slug", "period", "state")) == [
        ("kaiyuan", label, "sent"),
        ("lumen", label, "sent"),
        ("northwind", label, "sent"),
    ]
    for report in reports:
        assert report.pdf.path.startswith(str(var)) and report.page_count >= 1
    mails = sorted((var / "mail").glob("*.log"))
    assert len(mails) == 3
    subjects = {
        str(
            email.message_from_bytes(m.read_bytes(), policy=email.policy.default)["Subject"]
        ).strip()
        for m in mails
    }
    assert subjects == {  # each in its customer's locale: de, zh-hans, en
        f"Continuity-Bericht {label}: Northwind Retail GmbH",
        f"业务连续性报告 {label}：开元物流 Kaiyuan Logistics",
        f"Continuity report {label}: Lumen Health Inc.",
    }


def test_demo_at_two_dates_has_last_month_reports_and_this_month_to_date(demo_dirs):
    # 1 December 2026: November is complete (Lumen's has a DST change), December just began.
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    output = load_demo_at(now)
    client = make_client()
    assert "Simulated 2026-11 and 2026-12 up to 2026-12-01 12:00 UTC" in output
    check_reports(demo_dirs, "2026-11")
    november = check_month(
        output,
        client,
        now,
        "2026-11",
        {"Europe/Berlin": 43200, "Asia/Shanghai": 43200, "America/New_York": 43260},
    )
    pipeline = november["northwind"]["Product description pipeline"]
    assert seconds(pipeline) == PROVIDER_OUTAGE_3_LOCATIONS
    assert Decimal(pipeline["availability_pct"]) == pytest.approx(
        availability(43200, PROVIDER_OUTAGE_3_LOCATIONS), abs=Decimal("1e-20")
    )
    notebooks = november["lumen"]["Data analysis notebooks"]
    down = PROVIDER_OUTAGE_2_LOCATIONS + NOTEBOOKS_BLIP_2_LOCATIONS
    assert seconds(notebooks) == down
    assert Decimal(notebooks["availability_pct"]) == pytest.approx(
        availability(43260, down), abs=Decimal("1e-20")
    )
    assert "1,912.50 EUR" in output  # 225 minutes at 8.50 EUR, with a thousands separator
    assert re.search(r"; \d{1,3}(,\d{3})+ user-minutes lost", output)
    assert "No hostname was supplied" not in output
    december = sla(client, "northwind", "2026-12", now)
    assert_printed_equals_api(output, december, "2026-12", "Europe/Berlin")
    assert {row["down_minutes"] for row in december["workflows"]} == {"0"}

    # 15 March 2027, after the US change to summer time (14 March): February is the
    # complete month, March runs to date with the 12th's blip and the 14th's outage in it.
    now = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
    output = load_demo_at(now)
    client = make_client()
    assert "Simulated 2027-02 and 2027-03 up to 2027-03-15 12:00 UTC" in output
    assert not Report.objects.filter(period="2026-11").exists()  # rebuilt for the new now
    check_reports(demo_dirs, "2027-02")
    february = check_month(
        output,
        client,
        now,
        "2027-02",
        {"Europe/Berlin": 40320, "Asia/Shanghai": 40320, "America/New_York": 40320},
    )
    pipeline = february["northwind"]["Product description pipeline"]
    assert seconds(pipeline) == PROVIDER_OUTAGE_3_LOCATIONS
    assert Decimal(pipeline["availability_pct"]) == pytest.approx(
        availability(40320, PROVIDER_OUTAGE_3_LOCATIONS), abs=Decimal("1e-20")
    )
    march = sla(client, "lumen", "2027-03", now)
    assert Decimal(march["period"]["minutes"]) == 44580  # an hour short: DST began
    assert_printed_equals_api(output, march, "2027-03", "America/New_York")
    notebooks = by_name(march)["Data analysis notebooks"]
    assert seconds(notebooks) == down
    triage = by_name(march)["Triage assistant"]
    assert seconds(triage) == PROVIDER_OUTAGE_2_LOCATIONS
    assert Decimal(by_name(march)["Patient portal"]["down_minutes"]) == 0  # its blip: the 19th


def make_client():
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(scopes=('read',), name='staff')}")
    return client
