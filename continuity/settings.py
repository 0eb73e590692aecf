"""Django settings for Continuity, read from environment variables with safe defaults.

With no environment set, Continuity runs embedded: SQLite in ``var/`` and a Celery broker
made of files under ``var/broker/`` (kombu's filesystem transport), so the demo needs no
server yet runs real workers and beat (``make serve``).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from continuity.env import env_bool, env_int, env_list, env_networks, env_pair, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CONTINUITY_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database, reports and mail live here

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: set SECRET_KEY to a long random string "
            "(or DEBUG=1 for development, which uses a built-in key)."
        )
    SECRET_KEY = "insecure-dev-key-change-me-" + "0" * 24
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# HTTPS by default when DEBUG is off; each is switchable (README "Configuration").
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is a commitment made by submitting the domain to the browsers' list: opt in.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_PROXY_SSL_HEADER = env_pair("SECURE_PROXY_SSL_HEADER")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "continuity",
    "incidents",
    "reports",
    "console",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "continuity.replica.ReplicaPinMiddleware",  # only with DATABASE_REPLICA_URL
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while locked out
    "django.contrib.auth.backends.ModelBackend",
]

# Everything, Swagger UI and ReDoc included (drf-spectacular-sidecar), is served by the app
# itself: the API docs work offline and the policy names no other origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        # ReDoc runs its search index in a worker it builds from a blob of its own script.
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "continuity.urls"
WSGI_APPLICATION = "continuity.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL connections come from a psycopg pool per process (opened at its first query, so
# after gunicorn's or Celery's fork; continuity/db.py forgets a pool a fork inherits).
# DB_POOL_MAX_SIZE=0 turns it off, and only then may DB_CONN_MAX_AGE keep connections.
DB_POOL_MIN_SIZE = env_int("DB_POOL_MIN_SIZE", 1, minimum=0)
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 4, minimum=0)
DB_POOL_TIMEOUT = env_int("DB_POOL_TIMEOUT", 10, minimum=1)


def database_settings(url: str) -> dict:
    """One DATABASES entry; on PostgreSQL its connections come from a per-process pool."""
    entry = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0))
    if entry["ENGINE"] != "django.db.backends.postgresql" or not DB_POOL_MAX_SIZE:
        return entry
    if entry["CONN_MAX_AGE"]:
        raise ImproperlyConfigured(
            "DB_CONN_MAX_AGE and the connection pool exclude each other: unset DB_CONN_MAX_AGE "
            "(the pool keeps connections), or set DB_POOL_MAX_SIZE=0 to turn the pool off."
        )
    if DB_POOL_MIN_SIZE > DB_POOL_MAX_SIZE:
        raise ImproperlyConfigured(
            f"DB_POOL_MIN_SIZE={DB_POOL_MIN_SIZE} is above DB_POOL_MAX_SIZE={DB_POOL_MAX_SIZE}"
        )
    entry.setdefault("OPTIONS", {})["pool"] = {
        "min_size": DB_POOL_MIN_SIZE,
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": DB_POOL_TIMEOUT,
    }
    return entry


DATABASES = {
    "default": database_settings(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'continuity.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded database is shared by the web server, workers, beat and the prober: WAL
    # lets readers run beside the writer, IMMEDIATE takes the write lock at BEGIN (no
    # deadlock upgrading a read), and a writer waits for the lock rather than failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# A streaming replica for SLA figures, report rendering and console pages (continuity/replica.py,
# docs/scaling.md). Tests read it as a mirror of the primary's test database.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **database_settings(DATABASE_REPLICA_URL),
        "TEST": {"MIRROR": "default"},
    }
    if "pool" in DATABASES["replica"].get("OPTIONS", {}):
        # A replica that does not answer is skipped for the primary: do not wait long for it.
        DATABASES["replica"]["OPTIONS"]["pool"]["timeout"] = min(DB_POOL_TIMEOUT, 2)
    DATABASE_ROUTERS = ["continuity.replica.ReplicaRouter"]  # continuity.replica.ROUTER
# A client that wrote reads the primary for this long; more than the replica's worst lag.
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 15, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = True
# The languages a customer's reports and emails are written in (Customer.locale); the
# message catalogs live in locale/<lang>/LC_MESSAGES, compiled .mo files committed.
LANGUAGES = [("en", "English"), ("zh-hans", "Simplified Chinese"), ("de", "German")]
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
# `manage.py collectstatic` fills it; WhiteNoise serves it (README "Deploying").
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR)))  # PDFs land in var/reports/
MEDIA_URL = "media/"

LOGIN_URL = "/admin/login/"

# A key authenticated a moment ago is not looked up again for this long (per process): a
# revocation elsewhere is honoured within it, in the revoking process at once. 0: no cache.
API_KEY_CACHE_SECONDS = env_int("API_KEY_CACHE_SECONDS", 5, minimum=0)

# Throttles and lockouts count on this cache: Redis when configured (shared by every
# process), otherwise per process.
CACHE_URL = env_str("CACHE_URL", env_str("REDIS_URL", ""))
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r} is not a redis:// URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Admin/console login lockout (django-axes): per user name and address.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "continuity.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "continuity.throttling.login_lockout_response"

# Audit trail (django-pghistory): PostgreSQL triggers record each change with the
# request's actor and channel denormalised onto the event row. Triggers are installed
# after every `migrate`, so no trigger operations spread into the apps' migrations; on
# SQLite (the demo) nothing is installed and nothing is recorded.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True
PGHISTORY_JSON_ENCODER = "audit.context.ContextEncoder"
PGHISTORY_CREATED_AT_FUNCTION = "CLOCK_TIMESTAMP()"  # the time of the change itself

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "continuity.authentication.APIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["continuity.permissions.HasScope"],
    "DEFAULT_FILTER_BACKENDS": ["continuity.filters.FilterBackend"],
    "DEFAULT_RENDERER_CLASSES": [
        "continuity.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "continuity.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "continuity.throttling.PrincipalRateThrottle",
        "continuity.throttling.AddressRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "principal": env_rate("THROTTLE_RATE_PER_KEY", "6000/min"),
        "anon": env_rate("THROTTLE_RATE_ANONYMOUS", "120/min"),
        "failed_auth": env_rate("THROTTLE_RATE_FAILED_AUTH", "60/min"),
        "report_send": env_rate("THROTTLE_RATE_REPORT_SEND", "10/hour"),
    },
    # Proxies in front of the app that append to X-Forwarded-For; 0 = use the peer address.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0, minimum=0),
    "DEFAULT_PAGINATION_CLASS": "continuity.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "continuity.exceptions.api_exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}

SPECTACULAR_SETTINGS = {
    "ENUM_NAME_OVERRIDES": {
        "EventTypeEnum": "continuity.models.EventType",
        "EventEndpointKindEnum": "continuity.models.EventKind",
    },
    "TITLE": "Continuity API",
    "DESCRIPTION": "Probe-derived outages, fallbacks, SLA figures and monthly reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "continuity.openapi.add_error_responses",
    ],
}

# Celery: without a broker URL, messages are files under var/broker/ (kombu's filesystem
# transport), so the embedded setup runs real workers and beat with no server to install.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "") or "filesystem://"
EMBEDDED_BROKER = CELERY_BROKER_URL == "filesystem://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that accepts connections but never answers must not hang an ingest request:
# results are committed first, and the sweep derives what could not be queued.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "socket_connect_timeout": 2,
    "socket_timeout": 2,
}
if EMBEDDED_BROKER:
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(BROKER_DIR / "control"),
        "polling_interval": 0.2,
    }
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 0,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE = {
    "derivation-sweep": {
        "task": "incidents.sweep_derivations",
        "schedule": env_int("DERIVATION_SWEEP_SECONDS", 60, minimum=1),
    },
    "fallback-auto-activation": {
        "task": "incidents.auto_activate_fallbacks",
        "schedule": env_int("FALLBACK_SWEEP_SECONDS", 30, minimum=1),
    },
    "monthly-reports": {
        "task": "reports.monthly_run",
        "schedule": env_int("REPORT_RUN_SECONDS", 3600, minimum=1),
    },
    "notification-sweep": {
        "task": "incidents.sweep_notifications",
        "schedule": env_int("NOTIFICATION_SWEEP_SECONDS", 60, minimum=1),
    },
    "event-sweep": {
        "task": "events.sweep",
        "schedule": env_int("EVENT_SWEEP_SECONDS", 60, minimum=1),
    },
    "alert-sweep": {
        "task": "reports.sweep_alerts",
        "schedule": env_int("ALERT_SWEEP_SECONDS", 60, minimum=1),
    },
    # Month partitions of the results table made ahead, and old ones dropped after retention.
    "result-partitions": {
        "task": "incidents.maintain_result_partitions",
        "schedule": env_int("RESULT_PARTITION_SECONDS", 3600, minimum=1),
    },
    # The built-in prober: claim due probes, send one batch per location to probes.<location>.
    "probe-dispatch": {
        "task": "incidents.prober_dispatch",
        "schedule": env_int("PROBE_DISPATCH_SECONDS", 1, minimum=1),
        "options": {"expires": 10},
    },
}

# Re-derivation starts this far before the earliest new result (SPEC §3 "affected span"),
# further back when a stored outage or no-data span runs across that point.
DERIVATION_LOOKBACK = timedelta(minutes=env_int("DERIVATION_LOOKBACK_MINUTES", 60, minimum=0))

# A queued derivation waits this long, so the batches of a burst are derived together: while
# it waits, its workflow's probes stay flagged and later batches queue nothing more.
DERIVATION_DELAY_MS = env_int("DERIVATION_DELAY_MS", 500, minimum=0)

# PostgreSQL: month partitions of the results table created this many months ahead.
RESULT_PARTITIONS_AHEAD = env_int("RESULT_PARTITIONS_AHEAD", 3, minimum=1)
# Results older than this many days are dropped, a whole month partition at a time (0: kept
# forever). Outages and their evidence are kept; derivation never reaches back before it.
RESULT_RETENTION_DAYS = env_int("RESULT_RETENTION_DAYS", 0, minimum=0)

# Probe results more than this far in the future are rejected.
PROBE_RESULT_MAX_SKEW_SECONDS = env_int("PROBE_RESULT_MAX_SKEW_SECONDS", 120, minimum=0)
PROBE_RESULT_MAX_BATCH = 5000
# The ingest endpoint's body limit, sized for a full batch of results whose every text field
# is at its longest (error 2,000 characters, up to 4 bytes each in UTF-8); other endpoints
# keep Django's DATA_UPLOAD_MAX_MEMORY_SIZE.
PROBE_RESULT_MAX_BODY_BYTES = env_int(
    "PROBE_RESULT_MAX_BODY_BYTES", PROBE_RESULT_MAX_BATCH * 9 * 1024, minimum=1
)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Continuity <reports@continuity.local>")
EMAIL_FILE_PATH = VAR_DIR / "mail"

# Delivery of every email the service owes (outage notifications, monthly reports), see
# continuity/delivery.py. A claim must outlast the slowest send, or a live send is repeated.
DELIVERY_CLAIM_TIMEOUT_SECONDS = env_int("DELIVERY_CLAIM_TIMEOUT_SECONDS", 600, minimum=60)
DELIVERY_MAX_ATTEMPTS = env_int("DELIVERY_MAX_ATTEMPTS", 5, minimum=1)
DELIVERY_RETRY_BACKOFF_SECONDS = env_int("DELIVERY_RETRY_BACKOFF_SECONDS", 10, minimum=1)
DELIVERY_RETRY_BACKOFF_MAX_SECONDS = env_int("DELIVERY_RETRY_BACKOFF_MAX_SECONDS", 600, minimum=1)

PROBE_LOCATION = env_str("PROBE_LOCATION", "")

# `rto.at_risk` fires once an open outage without a fallback has used this share of its RTO.
RTO_AT_RISK_PERCENT = env_int("RTO_AT_RISK_PERCENT", 80, minimum=1)
if RTO_AT_RISK_PERCENT > 100:
    raise ImproperlyConfigured(
        f"RTO_AT_RISK_PERCENT must be at most 100, not {RTO_AT_RISK_PERCENT}"
    )
# Probes may reach only public addresses, plus these networks (CIDRs, comma-separated).
OUTBOUND_ALLOWED_NETWORKS = env_networks("OUTBOUND_ALLOWED_NETWORKS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # kombu warns on every connection whose URL names no host ("filesystem://"), though
        # the embedded transport has no host to name.
        "no_default_hostname": {
            "()": "continuity.logging.DropMessages",
            "starting_with": ["No hostname was supplied"],
        }
    },
    "loggers": {"kombu.connection": {"filters": ["no_default_hostname"]}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# `/metrics` (docs/operations.md "Metrics"): scrapers send `Authorization: Bearer
# <METRICS_TOKEN>` (or a staff API key), or scrape from one of these networks.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 characters long")
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS")

# An activation still active this long after its outage resolved is flagged.
FALLBACK_FLAG_AFTER_MINUTES = env_int("FALLBACK_FLAG_AFTER_MINUTES", 30, minimum=0)

# The simulated AI provider of the live demo (`make serve`): the demo's probes watch it and
# its `/hooks` receives the demo's webhook events.
DEMO_PROVIDER_URL = env_str("DEMO_PROVIDER_URL", "http://127.0.0.1:8001")
