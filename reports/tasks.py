"""Celery tasks for reports: thin, idempotent, keyed on the report row's state."""

from celery import shared_task

from continuity import delivery
from reports import services
from reports.services.alerts import alerts_sweep


@shared_task(name="reports.render_and_send", **delivery.task_retry_options())
def render_and_send_report(report_id: int) -> str:
    services.report_render(report_id=report_id)
    return services.report_send(report_id=report_id).state


@shared_task(name="reports.monthly_run", acks_late=True)
def monthly_reports() -> dict:
    """Hourly: generate the reports of months that have ended, finish what was left undone,
    and mark sent reports whose figures have changed since."""
    generated = services.reports_monthly_run()
    finished = 0
    for report_id in services.reports_unfinished():
        services.report_retry_failed(report_id=report_id)
        try:
            services.report_render(report_id=report_id)
            services.report_send(report_id=report_id)
            finished += 1
        except delivery.TRANSIENT_ERRORS:
            continue  # recorded on the row; the next run tries again
    changed = services.reports_detect_changes()
    return {
        "generated": sum(1 for *_, what in generated if what == "generated"),
        "finished": finished,
        "changed": len(changed),
    }


@shared_task(name="reports.sweep_alerts", acks_late=True)
def sweep_alerts() -> dict:
    """Emit the RTO and error-budget burn events the database state owes (idempotent)."""
    summary = alerts_sweep()
    return {"workflows": summary.workflows, "emitted": summary.emitted, "failed": summary.failed}
