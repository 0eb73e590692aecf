"""Domain errors and their single mapping to HTTP responses."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from continuity.parsers import PayloadTooLarge
from continuity.throttling import FailedAuthenticationThrottle

REFERENCES_LISTED = 20


class DomainError(Exception):
    """A request that is well-formed but not allowed by a business rule (400)."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(DomainError):
    status_code = status.HTTP_409_CONFLICT


class GoneError(DomainError):
    """The object was deleted while the request was changing it."""

    status_code = status.HTTP_404_NOT_FOUND


def api_exception_handler(exc, context):
    response = _error_response(exc, context)
    if response is not None and context.get("request") is not None:
        _answer_in_json(context["request"])
    return response


def _answer_in_json(request) -> None:
    """An error is JSON even when the request asked for CSV or iCalendar."""
    if not isinstance(
        getattr(request, "accepted_renderer", None), JSONRenderer | BrowsableAPIRenderer
    ):
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type


def _error_response(exc, context) -> Response | None:
    if isinstance(exc, DomainError):
        body = {exc.field: [exc.message]} if exc.field else {"detail": exc.message}
        return Response(body, status=exc.status_code)
    if isinstance(exc, ProtectedError | RestrictedError):
        return Response(_still_referred_to(exc, context), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exc, AuthenticationFailed | NotAuthenticated):
        FailedAuthenticationThrottle().record(context["request"])
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    return exception_handler(exc, context)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 for a URL no route matches: the API's JSON error under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def _still_referred_to(exc: ProtectedError | RestrictedError, context) -> dict:
    """409 body: which objects (by type and id) keep the object from being deleted."""
    referring = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
    by_type: dict = {}  # model options -> ids
    for obj in referring:
        by_type.setdefault(obj._meta, []).append(obj.pk)
    view = context.get("view")
    target = view.get_queryset().model._meta.verbose_name if view is not None else "object"
    counts = ", ".join(
        f"{len(pks)} {meta.verbose_name if len(pks) == 1 else meta.verbose_name_plural}"
        for meta, pks in by_type.items()
    )
    return {
        "detail": f"This {target} cannot be deleted while others refer to it: {counts}.",
        "referenced_by": {
            str(meta.verbose_name_plural): sorted(pks)[:REFERENCES_LISTED]
            for meta, pks in by_type.items()
        },
    }
