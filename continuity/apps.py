from django.apps import AppConfig


class ContinuityConfig(AppConfig):
    name = "continuity"
    verbose_name = "Continuity"

    def ready(self) -> None:
        from continuity import db, keycache, signals

        signals.connect()
        keycache.connect()
        db.install_fork_guard()
