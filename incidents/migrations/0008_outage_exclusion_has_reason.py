from django.db import migrations, models

LEGACY_REASON = "Excluded before a reason was required."


def give_legacy_exclusions_a_reason(apps, schema_editor):
    Outage = apps.get_model("incidents", "Outage")
    Outage.objects.filter(excluded_from_sla=True, exclusion_reason__regex=r"^\s*$").update(
        exclusion_reason=LEGACY_REASON
    )


class Migration(migrations.Migration):

    dependencies = [
        ('continuity', '0002_runbook_fallbackactivation_runbookstep_and_more'),
        ('incidents', '0007_outagenotification_message_id'),
    ]

    operations = [
        migrations.RunPython(give_legacy_exclusions_a_reason, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='outage',
            constraint=models.CheckConstraint(condition=models.Q(('excluded_from_sla', False), models.Q(('exclusion_reason', ''), _negated=True), _connector='OR'), name='outage_exclusion_has_reason', violation_error_message='Excluding an outage from the SLA needs a reason.'),
        ),
    ]
