"""Bearer API keys: `Authorization: Bearer ck_<prefix>_<secret>`."""

from dataclasses import dataclass

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from continuity import keycache
from continuity.models import APIKey
from continuity.throttling import FailedAuthenticationThrottle


@dataclass
class KeyPrincipal:
    """The request.user of a key-authenticated request."""

    key: APIKey
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    @property
    def is_staff(self) -> bool:
        return self.key.is_staff_key

    @property
    def pk(self) -> None:
        return None

    def __str__(self) -> str:
        return f"api-key:{self.key.name}"


class APIKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        FailedAuthenticationThrottle().check(request)
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <key>'.")
        key = self.key_for(parts[1])
        return KeyPrincipal(key=key), key

    @staticmethod
    def key_for(raw_key: str) -> APIKey:
        invalid = exceptions.AuthenticationFailed("Invalid or revoked API key.")
        if not raw_key.startswith(APIKey.PREFIX) or raw_key.count("_") < 2:
            raise invalid
        prefix = raw_key[len(APIKey.PREFIX) :].split("_", 1)[0]
        digest = APIKey.hash_secret(raw_key)
        key = keycache.get(prefix, digest)
        if key is None:
            key = APIKey.objects.select_related("customer").filter(key_prefix=prefix).first()
            if key is None or key.revoked_at is not None or not key.matches(raw_key):
                raise invalid
            keycache.put(prefix, digest, key)
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            APIKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now  # the cached copy too: one write a minute, not per request
        return key

    def authenticate_header(self, request) -> str:
        return self.keyword


class APIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "continuity.authentication.APIKeyAuthentication"
    name = "BearerAPIKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "ck_<prefix>_<secret>"}
