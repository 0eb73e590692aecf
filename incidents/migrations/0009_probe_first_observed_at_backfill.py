"""Set every probe's first_observed_at from its stored results.

Results stored before 0005 left it empty, or set it to the earliest result of a later
batch; SLA figures count the time before it as no data (SPEC §3), so it must be the first.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    Probe = apps.get_model("incidents", "Probe")
    ProbeResult = apps.get_model("incidents", "ProbeResult")
    first = (
        ProbeResult.objects.filter(probe=OuterRef("pk"))
        .order_by("observed_at")
        .values("observed_at")[:1]
    )
    Probe.objects.update(first_observed_at=Subquery(first))


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0008_outage_exclusion_has_reason"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
