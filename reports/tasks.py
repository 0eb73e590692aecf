"""Celery tasks for reports: thin, idempotent, keyed on the report row's state."""

import smtplib

from celery import shared_task

from reports import lifecycle


@shared_task(
    name="reports.render_and_send",
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=lifecycle.MAX_SEND_ATTEMPTS,
)
def render_and_send_report(report_id: int) -> str:
    lifecycle.report_render(report_id=report_id)
    return lifecycle.report_send(report_id=report_id).state


@shared_task(name="reports.monthly_run", acks_late=True)
def monthly_reports() -> dict:
    """Hourly: generate the reports of months that have ended, finish what was left undone,
    and mark sent reports whose figures have changed since."""
    generated = lifecycle.reports_monthly_run()
    finished = 0
    for report_id in lifecycle.reports_unfinished():
        lifecycle.report_retry_failed(report_id=report_id)
        try:
            lifecycle.report_render(report_id=report_id)
            lifecycle.report_send(report_id=report_id)
            finished += 1
        except (smtplib.SMTPException, OSError):
            continue  # recorded on the row; the next run tries again
    changed = lifecycle.reports_detect_changes()
    return {
        "generated": sum(1 for *_, what in generated if what == "generated"),
        "finished": finished,
        "changed": len(changed),
    }
