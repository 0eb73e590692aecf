"""Who may scrape `/metrics`: an allow-listed network, the `METRICS_TOKEN` bearer token,
or a staff API key. Anyone else gets a JSON 401 (no or bad credentials) or 403."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.crypto import constant_time_compare
from rest_framework.exceptions import AuthenticationFailed, Throttled

from continuity.authentication import APIKeyAuthentication
from continuity.throttling import FailedAuthenticationThrottle, client_address

CREDENTIALS_NEEDED = "Metrics need 'Authorization: Bearer <METRICS_TOKEN>' or a staff API key."


def _refusal(status: int, detail: str, headers: dict[str, str] | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status, headers=headers)


def _unauthenticated(request: HttpRequest, detail: str) -> JsonResponse:
    FailedAuthenticationThrottle().record(request)
    return _refusal(401, detail, {"WWW-Authenticate": 'Bearer realm="metrics"'})


def from_allowed_network(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(client_address(request) or "")
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS
    )


def _bearer(request: HttpRequest) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials or " " in credentials:
        return None
    return credentials


def _is_metrics_token(credentials: str) -> bool:
    token = settings.METRICS_TOKEN
    return bool(token) and constant_time_compare(credentials, token)


def scrape_refusal(request: HttpRequest) -> JsonResponse | None:
    """None when the request may read the metrics, else the response that refuses it."""
    if from_allowed_network(request):
        return None
    try:
        FailedAuthenticationThrottle().check(request)
    except Throttled as exc:
        return _refusal(429, str(exc.detail), {"Retry-After": str(int(exc.wait or 1))})
    credentials = _bearer(request)
    if credentials is None:
        return _unauthenticated(request, CREDENTIALS_NEEDED)
    if _is_metrics_token(credentials):
        return None
    try:
        key = APIKeyAuthentication.key_for(credentials)
    except AuthenticationFailed:
        return _unauthenticated(request, "Invalid metrics token or API key.")
    if not key.is_staff_key:
        return _refusal(403, "Only the metrics token or a staff API key may read metrics.")
    return None
