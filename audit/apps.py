from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from audit import context
        from audit.selectors import figure_changes_since
        from reports.services import register_change_log

        context.connect_celery_signals()
        register_change_log(figure_changes_since)
