"""Request limits: per API key or console user, per address, for failed authentication,
for report resends, and the admin login lockout's answer.

The counts live in the default cache (Redis when configured), so every process shares them.
Rates are settings (README "Configuration").
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import Throttled
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, SimpleRateThrottle


def client_address(request: HttpRequest) -> str | None:
    """The client's address for every limit: the peer's, or the X-Forwarded-For entry the
    NUM_PROXIES trusted proxies added (never an address the client wrote itself)."""
    return BaseThrottle().get_ident(request)


def principal_ident(request) -> str | None:
    """`key:<id>` for an API key, `user:<id>` for a console session, None when anonymous."""
    key = getattr(request, "auth", None)
    if hasattr(key, "scopes"):  # an APIKey
        return f"key:{key.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.pk is not None:
        return f"user:{user.pk}"
    return None


class SettingsRate:
    """Reads the rate from the current settings (DRF copies them once, at import)."""

    scope: str

    def get_rate(self) -> str:
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class PrincipalRateThrottle(SettingsRate, SimpleRateThrottle):
    """Per API key or console user; generous, since an agent fleet may share one key."""

    scope = "principal"

    def get_cache_key(self, request, view) -> str | None:
        ident = principal_ident(request)
        return None if ident is None else self.cache_format % {"scope": self.scope, "ident": ident}


class AddressRateThrottle(SettingsRate, AnonRateThrottle):
    """Unauthenticated requests, per address."""


class ReportSendThrottle(PrincipalRateThrottle):
    """Explicit resends, per key or user: each one mails the customer again."""

    scope = "report_send"


class FailedAuthenticationThrottle(SettingsRate, SimpleRateThrottle):
    """Failed authentications (401s) per address.

    Only failures are counted. Once an address is over its budget, every request from it
    is refused before its credentials are checked, so guessing keys cannot go faster.
    """

    scope = "failed_auth"

    def get_cache_key(self, request, view=None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}

    def check(self, request) -> None:
        """Raise Throttled (429 with Retry-After) while the address is over its budget."""
        self.key = self.get_cache_key(request)
        self.now = self.timer()
        self.history = [at for at in self.cache.get(self.key, []) if at > self.now - self.duration]
        if len(self.history) >= self.num_requests:
            raise Throttled(wait=self.wait())

    def record(self, request) -> None:
        self.allow_request(request, None)


def login_lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out login: 429 with Retry-After."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = HttpResponse(
        f"Too many failed logins for this user from this address. "
        f"Try again in {seconds // 60} minutes.",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(seconds)
    return response
