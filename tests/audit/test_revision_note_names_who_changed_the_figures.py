"""A corrected revision says what changed since the sent one, and who changed it."""

import time_machine

from reports import services
from reports.models import Report
from tests.reports.test_report_fingerprint_follows_numbers_not_names import (  # noqa: F401
    AFTER_OCTOBER,
    after_october,
    exclude,
    media,
    sent,
)


def test_the_revision_note_names_the_actor_channel_and_object(staff_client, sent):  # noqa: F811
    with time_machine.travel(AFTER_OCTOBER.replace(hour=12), tick=False):
        exclude(staff_client, sent)
        revision = services.report_issue_revision(report=sent)
        services.report_render(report_id=revision.pk)
    note = Report.objects.get(pk=revision.pk).revision_note
    assert note.startswith("Corrected revision.")
    assert f"Changes since revision {sent.revision}:" in note
    assert "api-key:staff (api) outage" in note
    assert "excluded_from_sla" in note
