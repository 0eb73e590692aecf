"""A probe as plain data, a check's result, and the handling of secrets.

Secrets are never stored: a header value or an LLM API key is a reference to an
environment variable (``{"env": "PROBE_VENDOR_TOKEN"}``) resolved by the process that runs
the check — a prober worker or an agent — and every resolved value is redacted from any
text a check produces (errors echo response bodies, and some vendors echo the key back).
Only variables named ``PROBE_…`` or listed in ``PROBE_SECRETS`` can be referenced, so a
probe cannot send the process's own secrets (SECRET_KEY, DATABASE_URL) anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from incidents.prober.assertions import parse_json_path

RUNNABLE_KINDS = ("http", "llm", "statuspage")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
# Header names whose value is a credential: a literal value is refused, an env ref needed.
SENSITIVE_HEADER = re.compile(
    r"authorization|cookie|token|secret|passw|api[-_]?key|credential|signature|session",
    re.IGNORECASE,
)
# Set by the HTTP client from the target and the request: an override could reach another
# virtual host than the target names, or smuggle a second request into the connection.
CONNECTION_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "upgrade",
    }
)
REDACTED = "[redacted]"
MAX_ERROR = 2000
MIN_SECRET = 4  # shorter values (a location name in a header) are not worth redacting


SECRET_PREFIX = "PROBE_"
SECRETS_ALLOWLIST = "PROBE_SECRETS"


class MissingSecret(Exception):
    """An environment variable a check needs is not set, or not open to probes, where the
    check runs."""

    def __init__(self, variable: str, used_for: str, *, allowed: bool = True):
        problem = (
            "is not set"
            if allowed
            else f"is not open to probes (name it {SECRET_PREFIX}… or list it in "
            f"{SECRETS_ALLOWLIST})"
        )
        super().__init__(f"environment variable {variable} ({used_for}) {problem}")
        self.variable = variable


def env_open_to_probes(variable: str, environ: Mapping[str, str]) -> bool:
    """Probes are configured through the API, tenants included: they may read only the
    variables the operator opened to them, never e.g. SECRET_KEY or DATABASE_URL."""
    listed = {name.strip() for name in environ.get(SECRETS_ALLOWLIST, "").split(",")}
    return variable.startswith(SECRET_PREFIX) or variable in listed - {""}


def _read_secret(variable: str, environ: Mapping[str, str], used_for: str) -> str:
    if not env_open_to_probes(variable, environ):
        raise MissingSecret(variable, used_for, allowed=False)
    value = environ.get(variable, "")
    if not value:
        raise MissingSecret(variable, used_for)
    return value


@dataclass(frozen=True)
class CheckSpec:
    """Everything needed to run one probe once; built from a row or an API payload."""

    probe_id: int
    kind: str
    target: str
    interval_seconds: int = 60
    timeout_ms: int = 10_000
    method: str = "GET"
    headers: tuple[tuple[str, Any], ...] = ()
    body: str = ""
    expected_status: tuple[int, ...] = ()
    body_assertion: Mapping[str, Any] | None = None
    verify_tls: bool = True
    degraded_latency_ms: int | None = None
    llm_model: str = ""
    llm_api_key_env: str = ""
    llm_max_tokens: int = 16
    llm_max_ttft_ms: int | None = None
    llm_min_tokens_per_second: Decimal | None = None
    statuspage_component: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CheckSpec:
        """From a probe's API representation (or a dict of its model fields)."""
        min_tps = data.get("llm_min_tokens_per_second")
        headers = data.get("headers") or {}
        return cls(
            probe_id=int(data["id"]),
            kind=str(data["kind"]),
            target=str(data.get("target") or ""),
            interval_seconds=int(data.get("interval_seconds") or 60),
            timeout_ms=int(data.get("timeout_ms") or 10_000),
            method=str(data.get("method") or "GET").upper(),
            headers=tuple((str(name), value) for name, value in headers.items()),
            body=str(data.get("body") or ""),
            expected_status=tuple(int(code) for code in data.get("expected_status") or ()),
            body_assertion=data.get("body_assertion") or None,
            verify_tls=bool(data.get("verify_tls", True)),
            degraded_latency_ms=data.get("degraded_latency_ms"),
            llm_model=str(data.get("llm_model") or ""),
            llm_api_key_env=str(data.get("llm_api_key_env") or ""),
            llm_max_tokens=int(data.get("llm_max_tokens") or 16),
            llm_max_ttft_ms=data.get("llm_max_ttft_ms"),
            llm_min_tokens_per_second=Decimal(str(min_tps)) if min_tps is not None else None,
            statuspage_component=str(data.get("statuspage_component") or ""),
        )

    @property
    def timeout_seconds(self) -> float:
        return self.timeout_ms / 1000


@dataclass(frozen=True)
class CheckResult:
    probe_id: int
    observed_at: datetime
    outcome: str
    latency_ms: int | None = None
    status_code: int | None = None
    error: str = ""
    tokens_used: int | None = None
    tokens_per_second: Decimal | None = None

    def as_item(self, *, location: str, client_id: str) -> dict[str, Any]:
        """The result as an item of a `POST probe-results/` batch (SPEC §6)."""
        item: dict[str, Any] = {
            "probe": self.probe_id,
            "location": location,
            "observed_at": self.observed_at.isoformat(),
            "outcome": self.outcome,
            "id": client_id,
        }
        if self.latency_ms is not None:
            item["latency_ms"] = self.latency_ms
        if self.status_code is not None and 100 <= self.status_code <= 599:
            item["status_code"] = self.status_code
        if self.error:
            item["error"] = self.error[:MAX_ERROR]
        if self.tokens_used is not None:
            item["tokens_used"] = self.tokens_used
        if self.tokens_per_second is not None:
            item["tokens_per_second"] = str(self.tokens_per_second)
        return item


@dataclass
class Secrets:
    """Resolved secret values of one check, for redaction."""

    values: list[str] = field(default_factory=list)

    def add(self, value: str) -> str:
        if value:
            self.values.append(value)
        return value

    def redact(self, text: str) -> str:
        return redact(text, self.values)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value (and a bare token after "Bearer ") replaced."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
        token = secret.split(" ", 1)[1] if secret.lower().startswith("bearer ") else ""
        if len(token) >= MIN_SECRET:
            text = text.replace(token, REDACTED)
    return text


def is_env_ref(value: object) -> bool:
    return (
        isinstance(value, Mapping)
        and set(value) == {"env"}
        and isinstance(value["env"], str)
        and bool(ENV_NAME.match(value["env"]))
    )


def resolve_headers(
    headers: Iterable[tuple[str, Any]], environ: Mapping[str, str], secrets: Secrets
) -> dict[str, str]:
    """Literal values as they are; ``{"env": NAME}`` read from ``environ`` (a secret)."""
    resolved = {}
    for name, value in headers:
        if name.lower() in CONNECTION_HEADERS:
            continue
        if is_env_ref(value):
            resolved[name] = secrets.add(_read_secret(value["env"], environ, f"header {name}"))
        else:
            resolved[name] = str(value)
    return resolved


def resolve_env(variable: str, environ: Mapping[str, str], used_for: str, secrets: Secrets) -> str:
    if not variable:
        return ""
    return secrets.add(_read_secret(variable, environ, used_for))


# --- validation of the stored configuration (used by the API serializer) ----------------------


def header_errors(headers: object) -> list[str]:
    """Why ``headers`` is not a valid header map; never echoes a header's value."""
    if not isinstance(headers, Mapping):
        return ['must be an object of header name to value or {"env": "VARIABLE"}']
    errors = []
    for name, value in headers.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", name):
            errors.append(f"{name!r} is not a valid header name")
        elif name.lower() in CONNECTION_HEADERS:
            errors.append(f"{name} is set by the prober itself and cannot be overridden")
        elif is_env_ref(value):
            continue
        elif isinstance(value, Mapping):
            errors.append(f'{name}: use {{"env": "VARIABLE"}} with a variable name')
        elif not isinstance(value, str) or "\n" in value or "\r" in value:
            errors.append(f"{name}: a header value must be a single-line string")
        elif SENSITIVE_HEADER.search(name):
            errors.append(
                f"{name} carries a credential: reference it from the prober's environment as "
                f'{{"env": "VARIABLE"}}; secret values are never stored'
            )
    return errors


def assertion_errors(assertion: object) -> list[str]:
    if assertion is None:
        return []
    if not isinstance(assertion, Mapping):
        return ['must be null, {"contains": "text"} or {"json_path": "$.a.b", "equals": value}']
    keys = set(assertion)
    if keys == {"contains"}:
        if not isinstance(assertion["contains"], str) or not assertion["contains"]:
            return ["contains: must be a non-empty string"]
        return []
    if keys == {"json_path", "equals"}:
        try:
            parse_json_path(assertion["json_path"])
        except ValueError as exc:
            return [f"json_path: {exc}"]
        return []
    return ['must be {"contains": "text"} or {"json_path": "$.a.b", "equals": value}']


RUN_FIELDS = ("kind", "target", "llm_model", "statuspage_component")


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be probed; never echoes the URL (it may carry a credential)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        password = parts.password
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https") or not host:
        return "must be an http:// or https:// URL for this kind of probe"
    if password:
        return "must not carry a password: send credentials in a header read from the environment"
    return None


def runnable_probe_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Field errors of a probe the built-in prober would run (none for `external`)."""
    kind = values.get("kind") or "external"
    if kind not in RUNNABLE_KINDS:
        return {}
    errors: dict[str, list[str]] = {}
    problem = url_problem(str(values.get("target") or ""))
    if problem:
        errors["target"] = [f"The target {problem}."]
    if kind == "llm" and not values.get("llm_model"):
        errors["llm_model"] = ["An llm probe needs the model to ask, e.g. gpt-4o-mini."]
    if kind == "statuspage" and not values.get("statuspage_component"):
        errors["statuspage_component"] = ["A statuspage probe needs the component to watch."]
    return errors
