"""API keys this process authenticated a moment ago, so most requests skip the key lookup.

An entry is keyed by the key's prefix and the SHA-256 of the whole presented key: only the
exact key that succeeded finds it, so a wrong secret under a known prefix is looked up (and
refused) as before. Entries live ``API_KEY_CACHE_SECONDS``; a change to a key anywhere is
therefore honoured everywhere within that window, and at once in the process that made it
(``forget``, called on every save or delete of a key).
"""

import threading
import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from continuity.models import APIKey

MAX_ENTRIES = 10_000

_entries: dict[tuple[str, str], tuple[float, APIKey]] = {}
_lock = threading.Lock()


def lifetime() -> float:
    return settings.API_KEY_CACHE_SECONDS


def get(prefix: str, digest: str) -> APIKey | None:
    entry = _entries.get((prefix, digest))
    if entry is None:
        return None
    expires, key = entry
    if time.monotonic() >= expires:
        with _lock:
            _entries.pop((prefix, digest), None)
        return None
    return key


def put(prefix: str, digest: str, key: APIKey) -> None:
    seconds = lifetime()
    if seconds <= 0:
        return
    now = time.monotonic()
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            for cached, (expires, _) in list(_entries.items()):
                if expires <= now:
                    del _entries[cached]
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
        _entries[(prefix, digest)] = (now + seconds, key)


def forget(prefix: str) -> None:
    with _lock:
        for cached in [cached for cached in _entries if cached[0] == prefix]:
            del _entries[cached]


def clear() -> None:
    with _lock:
        _entries.clear()


def _key_changed(sender, instance: APIKey, **kwargs) -> None:
    forget(instance.key_prefix)


def connect() -> None:
    """Forget a key whenever it is saved or deleted, whichever path (service, admin) did it."""
    post_save.connect(_key_changed, sender=APIKey, dispatch_uid="keycache-save")
    post_delete.connect(_key_changed, sender=APIKey, dispatch_uid="keycache-delete")
