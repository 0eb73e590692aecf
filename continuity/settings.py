"""Django settings for Continuity, read from environment variables with safe defaults.

With no environment set, Continuity runs embedded: SQLite in ``var/`` and Celery tasks
executed eagerly in-process, so the demo needs no server.
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

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'continuity.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = True

STATIC_URL = "static/"
# `manage.py collectstatic` fills it; WhiteNoise serves it (README "Deploying").
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR)))  # PDFs land in var/reports/
MEDIA_URL = "media/"

LOGIN_URL = "/admin/login/"

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

# Celery: without a broker URL, tasks run eagerly in-process (embedded/demo mode).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
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
# Probes may reach only public addresses, plus these networks (CIDRs, comma-separated).
OUTBOUND_ALLOWED_NETWORKS = env_networks("OUTBOUND_ALLOWED_NETWORKS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
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
