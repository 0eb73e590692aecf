"""Snapshot every tracked row that exists before tracking begins.

An update's `changes` compare the row with its previous snapshot; without this one, the
first update of an older row would have nothing to compare with.
"""

from django.db import migrations
from django.utils import timezone


def snapshot_existing_rows(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    now = timezone.now()
    for event_model in apps.get_app_config("audit").get_models():
        tracked = event_model._meta.get_field("pgh_obj").related_model
        columns = ", ".join(
            quote(field.column)
            for field in event_model._meta.local_fields
            if not field.name.startswith("pgh_")
        )
        schema_editor.execute(
            f"INSERT INTO {quote(event_model._meta.db_table)} "
            f"({columns}, pgh_obj_id, pgh_label, pgh_created_at) "
            f"SELECT {columns}, {quote(tracked._meta.pk.column)}, 'baseline', %s "
            f"FROM {quote(tracked._meta.db_table)}",
            [now],
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(snapshot_existing_rows, migrations.RunPython.noop)]
