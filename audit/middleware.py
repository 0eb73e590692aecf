"""The audit context of an HTTP request: its channel from the URL, its actor from the user."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import LazyActor, audit_context

CHANNELS = (("/api/", "api"), ("/console/", "console"), ("/admin/", "admin"))
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def request_actor(request: HttpRequest) -> str | None:
    """The signed-in user's name, or `api-key:<name>` once DRF has authenticated a key."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    get_username = getattr(user, "get_username", None)
    return get_username() if get_username else str(user)


def request_channel(path: str) -> str | None:
    return next((channel for prefix, channel in CHANNELS if path.startswith(prefix)), None)


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = request_channel(request.path_info)
        if channel is None or request.method in SAFE_METHODS:
            return self.get_response(request)
        actor = LazyActor(lambda: request_actor(request))
        with audit_context(channel=channel, actor=actor):
            return self.get_response(request)
