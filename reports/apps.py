from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from continuity.services import register_figures_touch_hook
        from reports.services.figures_store import stored_figures_invalidate

        register_figures_touch_hook(stored_figures_invalidate)
