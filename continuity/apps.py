from django.apps import AppConfig


class ContinuityConfig(AppConfig):
    name = "continuity"
    verbose_name = "Continuity"

    def ready(self) -> None:
        from continuity import db, signals

        signals.connect()
        db.install_fork_guard()
