"""Report writes: the lifecycle (generate, render, revise), mail and change detection."""

from reports.services.changes import (
    reports_detect_changes,
)
from reports.services.lifecycle import (
    PAGE_OBJECT,
    ChangeLog,
    logger,
    queue_report,
    register_change_log,
    report_generate,
    report_issue_revision,
    report_regenerate,
    report_render,
    report_retry_failed,
    reports_monthly_run,
    reports_unfinished,
)
from reports.services.mail import (
    OUTBOX,
    report_resend,
    report_send,
)

__all__ = [
    "ChangeLog",
    "PAGE_OBJECT",
    "logger",
    "queue_report",
    "register_change_log",
    "report_generate",
    "report_issue_revision",
    "report_regenerate",
    "report_render",
    "report_retry_failed",
    "reports_monthly_run",
    "reports_unfinished",
    "OUTBOX",
    "report_resend",
    "report_send",
    "reports_detect_changes",
]
