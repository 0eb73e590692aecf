"""Outage evidence carries a copy of the result it shows, so it outlives the result.

Results are dropped with their month partition after RESULT_RETENTION_DAYS, and a foreign
key into a partitioned table would have to include the partition key: `result` stays as a
reference without a database constraint, and the shown fields are copied (backfilled here).
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

COPIED = ("probe_id", "location", "observed_at", "outcome", "latency_ms", "status_code", "error")


def copy_result_fields(apps, schema_editor):
    evidence = apps.get_model("incidents", "OutageEvidence")
    result = apps.get_model("incidents", "ProbeResult")
    source = result.objects.using(schema_editor.connection.alias).filter(pk=OuterRef("result_id"))
    evidence.objects.using(schema_editor.connection.alias).update(
        **{name: Subquery(source.values(name)[:1]) for name in COPIED}
    )
    if schema_editor.connection.vendor == "postgresql":
        # Check the new foreign key now: ALTER TABLE refuses a table with pending trigger events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0011_sweep_run"),
    ]

    operations = [
        migrations.AddField(
            model_name="outageevidence",
            name="probe",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="incidents.probe",
            ),
        ),
        migrations.AddField(
            model_name="outageevidence",
            name="location",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="outageevidence",
            name="observed_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="outageevidence",
            name="outcome",
            field=models.CharField(
                choices=[("up", "Up"), ("degraded", "Degraded"), ("down", "Down")],
                default="",
                max_length=10,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="outageevidence",
            name="latency_ms",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outageevidence",
            name="status_code",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outageevidence",
            name="error",
            field=models.TextField(blank=True, default=""),
            preserve_default=False,
        ),
        migrations.RunPython(copy_result_fields, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="outageevidence",
            name="probe",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="incidents.probe",
            ),
        ),
        migrations.AlterField(
            model_name="outageevidence",
            name="observed_at",
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name="outageevidence",
            name="result",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="incidents.proberesult",
            ),
        ),
    ]
