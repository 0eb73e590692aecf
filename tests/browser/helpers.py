"""Browser-test helpers: log in through the admin login form, seed a scene."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from incidents.models import Outage
from tests.console import seed


@dataclass
class Scene:
    main: seed.CustomerWorld
    private: seed.CustomerWorld
    people: seed.Users
    fresh_outage: Outage


def scene(now: datetime | None = None) -> Scene:
    """Two customers (the second without a status page) and one outage seconds old."""
    now = now or timezone.now()
    main = seed.customer_world(1, now=now)
    private = seed.customer_world(2, now=now, status_page=False, open_minutes=95)
    fresh = Outage.objects.create(
        workflow=private.backend,
        started_at=now - timedelta(seconds=5),
        severity="degraded",
        source="manual",
    )
    return Scene(main=main, private=private, people=seed.users(), fresh_outage=fresh)


def login(page, base_url: str, username: str, next_url: str = "/console/") -> None:
    page.goto(f"{base_url}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", seed.PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")
