"""Settings for Lanben Desk. Everything that differs between machines comes from the environment.

Without DATABASE_URL the portal runs on an embedded PostgreSQL server (config/devdb.py), and without
CELERY_BROKER_URL on kombu's filesystem transport, so a newcomer needs nothing but Python. Production sets both
(PostgreSQL through psycopg 3, Redis) together with SECRET_KEY, DEBUG=false and ALLOWED_HOSTS.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

from config.devdb import embedded_database
from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LANBEN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "simple_history",
    "django_fsm",
    "workdays",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "audit",
    "entitlements",
    "cases",
    "providers",
    "dispatch",
    "notifications",
    "demo",
    "sla",
]

MIDDLEWARE = [
    # Outermost: a database outage anywhere below answers a clean 503 (config/middleware.py).
    "config.middleware.DatabaseUnavailableMiddleware",
    "config.middleware.UnstorableQueryMiddleware",
    # A body larger than REQUEST_MAX_BYTES is answered 413 before a byte of it is read.
    "config.limits.RequestSizeLimitMiddleware",
    # A NUL in the path answers 404, a date overflow in a filter 400 (config/limits.py).
    "config.limits.BadInputMiddleware",
    # API answers: Cache-Control: private, no-store and Vary: Authorization (config/privacy.py).
    "config.privacy.PrivateApiResponseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.shell.shell",
            ],
        },
    },
]

SILENCED_SYSTEM_CHECKS: list[str] = []

# PostgreSQL everywhere. Without DATABASE_URL, the embedded PostgreSQL server of a developer
# machine (config/devdb.py), started on first use with its data under var/pgdata.
if env_str("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL"), conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATABASES = {"default": embedded_database(VAR_DIR)}
# No parallel query workers for the application's statements: the desk reads a page of rows by index,
# and starting workers costs more than they save (a queue page at ten million cases: 26 → 6 ms) while
# taking the cores concurrent requests need. The one statement that reads a large range (the manager
# report counted from the cases, sla.selectors) asks for them itself. Added to any options DATABASE_URL
# carries (?options=-c …), not in their place.
DB_PARALLEL_WORKERS = env_int("DB_PARALLEL_WORKERS", 0)
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["options"] = (
    f"{_db_options.get('options', '')} -c max_parallel_workers_per_gather={DB_PARALLEL_WORKERS}".strip()
)
# Prepared statements for the few hand-written hot statements (config.rows.prepared_cursor: the API
# token's, the intake lookup's), planned once per connection. Django's own cursors bind on the client
# and never prepare, so psycopg's count-based preparing (the threshold) never starts; off
# (DB_PREPARED_STATEMENTS=false) behind a pooler that cannot keep a session's prepared statements.
if env_bool("DB_PREPARED_STATEMENTS", default=True):
    _db_options.setdefault("prepare_threshold", 2**31 - 1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failures for one username from one
# address, that pair is locked for AXES_COOLOFF_TIME. Not by address alone: the insurer's staff
# share office gateways, and one mistyping colleague must not lock out the floor.
AUTHENTICATION_BACKENDS = [
    "audit.backends.ThrottledLoginBackend",
    "audit.backends.PermissionBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Number of trusted reverse proxies appending to X-Forwarded-For (0: use REMOTE_ADDR). Logins are
# throttled on the same address the audit trail records (audit.services.client_ip): behind the
# documented proxy every client would otherwise share the proxy's address, and five bad passwords
# would lock a named user out from everywhere.
AUDIT_PROXY_COUNT = env_int("AUDIT_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "audit.services.client_ip"
AXES_IPWARE_PROXY_COUNT = AUDIT_PROXY_COUNT
# Password spraying (a few guesses at every user from one address) stays under the per-pair limit:
# an address with this many failures across users within AXES_COOLOFF_TIME is refused too.
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20)
# The lockout page: Chinese, with the time remaining (audit.lockout).
AXES_LOCKOUT_CALLABLE = "audit.lockout.lockout_response"
# Two-factor sign-in (audit.twofactor): the issuer shown in the authenticator app.
OTP_TOTP_ISSUER = "太保蓝本工作台"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    # Medical documents: written under a pending name until their transaction commits.
    "default": {"BACKEND": "cases.storage.DocumentStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Medical documents live outside the web root and are never served by URL pattern: only the
# case document view, which checks the user's right to that case, streams them.
MEDIA_ROOT = Path(env_str("LANBEN_MEDIA_ROOT", str(VAR_DIR / "private-media")))
# No URL pattern serves this prefix; it is set only because Django's test live server expects one.
MEDIA_URL = "/_private-media-not-served/"
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)

# A provider reads an ended case (closed, rejected, withdrawn, cancelled) for this many days after it
# ended, its documents not at all once it ended (providers/selectors.py).
PROVIDER_ACCESS_DAYS_AFTER_CLOSE = env_int("PROVIDER_ACCESS_DAYS_AFTER_CLOSE", 30)
# An arrangement may be recorded late, but not dated more than this many days back (issue 16).
ARRANGEMENT_MAX_PAST_DAYS = env_int("ARRANGEMENT_MAX_PAST_DAYS", 3)
# Provider webhooks (providers/webhooks.py): each provider's secret is derived from this key; private
# and loopback addresses are refused unless allowed (development, tests) or the host is listed.
WEBHOOK_SIGNING_KEY = env_str("WEBHOOK_SIGNING_KEY", SECRET_KEY)
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", default=DEBUG)
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS")
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)

# Case clocks, in working days. The handbook publishes no time limit for some services (陪诊, 二诊,
# MDT, rehab, home nursing): they get this configurable default. Review turnaround is internal.
SLA_DEFAULT_TARGET = env_int("SLA_DEFAULT_TARGET", 10)
SLA_DEFAULT_DEADLINE = env_int("SLA_DEFAULT_DEADLINE", 15)
REVIEW_TARGET_WORKING_DAYS = env_int("REVIEW_TARGET_WORKING_DAYS", 2)
# Bounds on what one request may carry (cases/services/documents.py, config/limits.py): files, bytes
# in all, pixels per image. The intake API carries documents base64-encoded in JSON (4/3 larger), so
# a body is refused with 413 before it is read when it exceeds REQUEST_MAX_BYTES.
DOCUMENTS_PER_REQUEST = env_int("DOCUMENTS_PER_REQUEST", 10)
DOCUMENTS_MAX_BYTES_PER_REQUEST = env_int("DOCUMENTS_MAX_BYTES_PER_REQUEST", 30 * 1024 * 1024)
DOCUMENT_MAX_PIXELS = env_int("DOCUMENT_MAX_PIXELS", 50_000_000)
REQUEST_MAX_BYTES = DOCUMENTS_MAX_BYTES_PER_REQUEST * 4 // 3 + 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
DATA_UPLOAD_MAX_NUMBER_FILES = DOCUMENTS_PER_REQUEST
# Uploaded files above this size are streamed to temporary files, never held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Error reports (DEBUG page, mails to ADMINS) show no local variables, form, query or cookie values.
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.privacy.PersonalDataReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "config.privacy.PersonalDataExceptionReporter"

LOGIN_URL = "admin:login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Medical documents are previewed in same-origin frames on the review page; other sites may not
# frame the portal (also said by the CSP's frame-ancestors).
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS.append("security.W019")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Inline style attributes only; no inline script anywhere (see static/desk.js).
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

# The cache backs API rate limits; production shares it between processes through Redis.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache"
        if env_str("CACHE_URL").startswith("redis")
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": env_str("CACHE_URL", "lanben-desk"),
        # A cache that stops answering must not hold a request: give up within a second and
        # let the caller degrade (config/throttling.py fails open).
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}
        if env_str("CACHE_URL").startswith("redis")
        else {},
    }
}

# Look-ups of a customer by full ID number or phone, per user (audit/lookups.py; fails closed).
IDENTIFIER_LOOKUPS_PER_MINUTE = env_int("IDENTIFIER_LOOKUPS_PER_MINUTE", 20)

# API tokens (audit.tokens): stored as digests, valid this many days from issue, rotated by reissue.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 180)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "audit.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.StorableJSONParser",
        "config.parsers.StorableFormParser",
        "config.parsers.StorableMultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    # Per token (one token per API user): a runaway integration is stopped before it hurts others.
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.UserRateThrottle",
        "config.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("API_RATE_PER_TOKEN", "20000/min"),
        "anon": env_str("API_RATE_ANONYMOUS", "60/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lanben Desk API",
    "DESCRIPTION": "太保蓝本健康管理绿通服务 back-office API: intake, entitlements, catalogue, providers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_error_responses",
    ],
}

# Celery: Redis in production; kombu's filesystem transport when no broker is configured, so the
# demo still runs a real worker and beat.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Publishing fails at once when Redis is down (no reconnect loop inside a web request): the
    # outbox keeps the message and the relay delivers it once Redis is back.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "max_retries": 0, "interval_start": 0}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 10 * 60
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A worker killed mid-delivery keeps its outbox message leased this long; then the relay delivers it.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 300)
# The messages a web process commits this soon after its last kick are handed to a worker together,
# when the window closes (notifications.services.outbox_kick); 0 hands each over by itself.
OUTBOX_KICK_WINDOW_MS = env_int("OUTBOX_KICK_WINDOW_MS", 200)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY = False

# The beat schedule created on first migrate; afterwards it is edited in the admin (定时任务).
LANBEN_PERIODIC_TASKS = {
    "发件箱补发": {
        "task": "notifications.tasks.relay_outbox",
        "every_seconds": 60,
        "description": "补发代理未能及时送达的通知（如 Redis 中断期间提交的案件）",
    },
    "材料文件清理": {
        "task": "cases.tasks.sweep_documents",
        "every_seconds": 3600,
        "description": "完成或删除中断的请求留下的材料文件（回滚的上传、提交后未及改名的文件）",
    },
    "时效巡检": {
        "task": "sla.tasks.sweep_sla",
        "every_seconds": 300,
        "description": "对一个工作日内到期或已超时的案件发送提醒（每案件×类型×到期日仅一次）",
    },
    "时效报表汇总合并": {
        "task": "sla.tasks.compact_report_aggregates",
        "every_seconds": 60,
        "description": "把案件变动写入的报表增量合并进报表汇总表（报表同时读取两者，合并前后数字相同）",
    },
    "工作日历次年推算": {
        "task": "workdays.tasks.calendar_keep_next_year",
        "every_seconds": 6 * 3600,
        "description": "次年未录入时按《全国年节及纪念日放假办法》推算暂定日历，并重新计算受影响案件的时限",
    },
}

# A developer machine keeps outgoing mail as files under var/mail instead of flooding the console.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "lanben-desk@localhost")
# The portal's address as people reach it: notices' e-mails link to the case with it.
SITE_BASE_URL = env_str("SITE_BASE_URL", "http://localhost:8000")

# Logs: one JSON object per line (structlog), personal data masked by a filter on every handler,
# a request id per request carried into the Celery tasks it enqueues (ops/logs.py). LANBEN_LOG_FILE
# adds a file with the same lines (the test run writes one and checks it for the demo's identifiers).
LOG_FILE = env_str("LANBEN_LOG_FILE")
_log_handlers = {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["personal_data"]}}
if LOG_FILE:
    Path(LOG_FILE).parent.mkdir(parents=True, exist_ok=True)
    _log_handlers["file"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": LOG_FILE,
        "formatter": "json",
        "filters": ["personal_data"],
    }
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "ops.logs.PersonalDataFilter"}},
    "formatters": {"json": {"()": "ops.logs.json_formatter"}},
    "handlers": _log_handlers,
    "root": {"handlers": list(_log_handlers), "level": env_str("LOG_LEVEL", "INFO")},
    # Django's own defaults would print these loggers in plain text (runserver's request lines carry
    # query strings): they go through the root's handlers like everything else.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        # A failing readiness check is in /readyz's answer and the metrics; a traceback per probe is noise.
        "health_check": {"level": "ERROR"},
    },
}
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# The worker keeps the handlers above instead of installing its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Operations: health (/healthz, /readyz), Prometheus metrics (/metrics), migration linting.
# See docs/operations.md.
INSTALLED_APPS += ["django_prometheus", "django_structlog", "django_migration_linter", "ops"]
# The database-outage layer stays outermost: the request logger below it asks who the user is, which
# needs the database, so an outage there must still end in the 503 page.
_OUTAGE = "config.middleware.DatabaseUnavailableMiddleware"
MIDDLEWARE = [
    _OUTAGE,
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "ops.middleware.RequestIdHeaderMiddleware",
    *(layer for layer in MIDDLEWARE if layer != _OUTAGE),
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]
# /metrics answers only a scraper presenting "Authorization: Bearer <METRICS_TOKEN>"; unset, it is closed.
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_CACHE_SECONDS = env_int("METRICS_CACHE_SECONDS", 30)
METRICS_EXACT_COUNT_LIMIT = env_int("METRICS_EXACT_COUNT_LIMIT", 100_000)
# Readiness thresholds: the relay runs every minute and a lease lasts OUTBOX_LEASE_SECONDS.
OUTBOX_MAX_AGE_SECONDS = env_int("OUTBOX_MAX_AGE_SECONDS", 600)
BEAT_MAX_SILENCE_SECONDS = env_int("BEAT_MAX_SILENCE_SECONDS", 600)
# Probes and scrapers speak plain HTTP to the process itself, behind the TLS-terminating proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
