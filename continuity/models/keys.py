"""API keys: `Authorization: Bearer ck_<prefix>_<secret>`, stored hashed."""

import hashlib
import secrets

from django.db import models
from django.utils import timezone

from continuity.models.customers import Customer


class Scope(models.TextChoices):
    READ = "read"
    WRITE = "write"
    INGEST = "ingest"


class APIKey(models.Model):
    """A bearer key. Only a SHA-256 of the secret is kept; the key is shown once."""

    PREFIX = "ck_"

    name = models.CharField(max_length=120)
    key_prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_staff_key(self) -> bool:
        return self.customer_id is None

    @staticmethod
    def hash_secret(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @classmethod
    def generate(
        cls, *, name: str, scopes: list[str], customer: Customer | None
    ) -> tuple["APIKey", str]:
        prefix = secrets.token_hex(6)
        raw_key = f"{cls.PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        key = cls.objects.create(
            name=name,
            key_prefix=prefix,
            key_hash=cls.hash_secret(raw_key),
            scopes=sorted(set(scopes)),
            customer=customer,
        )
        return key, raw_key

    def matches(self, raw_key: str) -> bool:
        return secrets.compare_digest(self.key_hash, self.hash_secret(raw_key))

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
