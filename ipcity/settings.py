"""ipcity settings, read from the environment (see README "Configuration").

Defaults run on one machine with no server to install: SQLite under ``var/`` and a private
redis-server on a Unix socket (``ipcity.embedded_redis``). ``DATABASE_URL`` and ``REDIS_URL`` switch to
PostgreSQL and a Redis server.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
import xstatic.pkg.bootstrap
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ipcity import embedded_redis, sm4
from ipcity.env import env_bool, env_int, env_list, env_rate, env_str
from ipcity.password_policy import DEFAULT_MAX_AGE_DAYS, DENGBAO, password_validators

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("IPCITY_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-ipcity-do-not-use-in-production"

# The SM4 key of the personal data stored encrypted (ipcity/fieldcrypto.py): 32 hex digits. Old keys still decrypt
# until `manage.py rotate_field_key` has re-encrypted every row. With DEBUG on and no key, one is derived from
# SECRET_KEY (the system check ipcity.W001 says so); with DEBUG off a missing key stops start-up.
FIELD_ENCRYPTION_OLD_KEYS = env_list("FIELD_ENCRYPTION_OLD_KEYS", [])
FIELD_ENCRYPTION_KEY, FIELD_ENCRYPTION_KEY_DERIVED = sm4.configure(
    key=env_str("FIELD_ENCRYPTION_KEY"), old_keys=FIELD_ENCRYPTION_OLD_KEYS, debug=DEBUG, secret_key=SECRET_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "ipcity.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "django_ratelimit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "cities",
    "evaluations",
    "reviews",
    "plans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ipcity.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): signed in with a second factor in this session (django-otp).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ipcity.middleware.SessionLifetimeMiddleware",
    "ipcity.middleware.PasswordChangeRequiredMiddleware",
    # After the password change: verify the second factor, or enrol one (cities/twofactor.py).
    "ipcity.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ipcity.middleware.AuditContextMiddleware",
    # Inside AuditContextMiddleware, so that its entries carry the client IP.
    "cities.middleware.AccessDeniedAuditMiddleware",
    "ipcity.middleware.UploadRedirectMiddleware",
    # Last: it turns a lockout signalled during authentication into the login page with its message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ipcity.urls"
WSGI_APPLICATION = "ipcity.wsgi.application"
ASGI_APPLICATION = "ipcity.asgi.application"

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
                "django.template.context_processors.i18n",
                "ipcity.context_processors.navigation",
            ],
            "builtins": ["django.templatetags.i18n", "django.templatetags.static", "rules.templatetags.rules"],
        },
    }
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL is None:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # a fresh checkout has no var/ yet
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'ipcity.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one SQLite file: WAL and IMMEDIATE transactions avoid
    # "database is locked" between them.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery -------------------------------------------------------------------
# Redis is the broker, the result backend and the cache in every mode: REDIS_URL names a server; without
# it, a private redis-server on a Unix socket under IPCITY_REDIS_DIR (ipcity/embedded_redis.py), which
# `make run` starts under its supervisor and the test suite starts for itself.
REDIS_URL = env_str("REDIS_URL")
EMBEDDED_REDIS_DIR = Path(env_str("IPCITY_REDIS_DIR", str(VAR_DIR / "redis")))
if REDIS_URL:
    CACHE_URL = CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
else:
    _embedded = embedded_redis.urls(embedded_redis.socket_path(EMBEDDED_REDIS_DIR))
    CELERY_BROKER_URL, CELERY_RESULT_BACKEND, CACHE_URL = _embedded["broker"], _embedded["results"], _embedded["cache"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                      "KEY_PREFIX": "ipcity"}}
# A message a worker took and never acknowledged (the worker was killed) goes back to the queue after
# CELERY_VISIBILITY_TIMEOUT seconds; each worker looks for such messages every 10 s. A task still running
# then is not done twice: tasks hold a lease they renew while they run (reviews.services.reports).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 60),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
# Tasks are acknowledged once done, and a task whose worker process died goes back to the queue: every
# task can run twice with the same result (STYLE.md "Background work").
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
# The database schedule, plus a heartbeat in the cache on every pass (see "Health" below).
CELERY_BEAT_SCHEDULER = "ipcity.beat:HeartbeatScheduler"
CELERY_RESULT_EXPIRES = 24 * 3600
# Synced into django-celery-beat's tables when beat starts; editable in the admin.
CELERY_BEAT_SCHEDULE = {
    "expire-designations": {
        "task": "cities.expire_designations",
        "schedule": crontab(minute=30, hour=0),
    },
    "sweep-deadlines": {"task": "plans.sweep_deadlines", "schedule": 300.0},  # every 5 minutes
    # Reports whose worker died or whose message was lost are queued again (reviews/services/leases.py).
    "recover-stalled-files": {"task": "reviews.recover_stalled_files", "schedule": 30.0},
    "expire-generated-files": {
        "task": "reviews.expire_generated_files",
        "schedule": crontab(minute=15),  # hourly; generated reports are kept 7 days
    },
}

# --- Auth ---------------------------------------------------------------------------
AUTH_USER_MODEL = "cities.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked account before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Password policy (README "Password policy"): the 等保 2.0 profile (3 of 4 kinds of characters, the last 5 not
# reusable, 90 days) or OWASP ASVS's (12 characters, no composition, history or expiry rules).
PASSWORD_POLICY = env_str("PASSWORD_POLICY", DENGBAO)
AUTH_PASSWORD_VALIDATORS = password_validators(PASSWORD_POLICY)
# A password older than this must be changed before anything else (0: never).
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", DEFAULT_MAX_AGE_DAYS[PASSWORD_POLICY])
if PASSWORD_MAX_AGE_DAYS < 0:
    raise ImproperlyConfigured("PASSWORD_MAX_AGE_DAYS must be 0 (passwords never expire) or more.")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Idle sessions end after 30 minutes: the cookie is renewed on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
# However active, a session ends this long after its sign-in (ipcity.middleware.SessionLifetimeMiddleware).
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# HTTPS_ONLY (the container's production profile) turns on secure cookies, the redirect to HTTPS and HSTS
# together; each can still be set on its own. /healthz stays reachable over plain HTTP for local probes.
HTTPS_ONLY = env_bool("HTTPS_ONLY", False)
SECURE_COOKIES = env_bool("SECURE_COOKIES", HTTPS_ONLY)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS_ONLY)
SECURE_REDIRECT_EXEMPT = [r"^healthz(/full)?$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS_ONLY else 0)
# Subdomains of the site's own host name (rarely any): on with HTTPS_ONLY.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS_ONLY)
# Browsers' HSTS preload list holds public domains only: an intranet host name can never be on it.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Sign-in lockout (django-axes, README "Sign-in protection"): LOGIN_FAILURE_LIMIT failed sign-ins lock the
# account (per username, never per address: many officials share one NAT address) for LOGIN_LOCKOUT_MINUTES.
# The counts live in the database, shared by every web process.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_LOCKOUT_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be at least 1.")
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
# Sign-in attempts one network address may make (django-ratelimit, counted in the shared cache): against one
# address trying a password across many accounts, which no per-account lock sees. High enough for a bureau
# behind one NAT address (cities/lockout.py).
LOGIN_THROTTLE = env_rate("LOGIN_THROTTLE", "30/min")
RATELIMIT_USE_CACHE = "default"
# django_ratelimit.W001 lists the cache backends it names as supported; Django's own RedisCache is not among them,
# yet gives it what it needs (an atomic INCR and ADD with expiry, shared by every process).
SILENCED_SYSTEM_CHECKS += ["django_ratelimit.W001"]
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
# Refused attempts during a lockout neither extend it nor count again: the lock ends when announced.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cities.views.accounts.locked_out"
# Successful sign-ins are in our audit log already.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
# axes.W006 warns that a lock by username alone lets an attacker rotate addresses: that is the point here
# (a lock by address would lock out a whole NAT-ed bureau; the account is what we protect).
SILENCED_SYSTEM_CHECKS += ["axes.W006"]
# Two-factor sign-in (django-otp; README "Two-factor sign-in"). An enrolled account always enters a code after
# its password; TWO_FACTOR_ENFORCED decides whether national administrators and the 三员 must enrol.
TWO_FACTOR_ENFORCED = env_bool("TWO_FACTOR_ENFORCED", True)
OTP_TOTP_ISSUER = "ipcity"
# After each wrong code a device refuses codes for 1, 2, 4, 8 … seconds (django-otp's own throttling).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Content security policy: nothing from another host, no inline script or style ---
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Bootstrap draws form controls with data: SVG images.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Language and time ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR)]
STORAGES = {
    # Uploaded files are private: MEDIA_ROOT is never served directly, only through
    # permission-checked views.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-private/"  # never routed; downloads go through views
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ipcity@localhost")

# --- REST framework (the API issue extends this) --------------------------------------
REST_FRAMEWORK = {
    # A personal token ("Authorization: Token ipc_…") or the browser's session (with CSRF). The token
    # class comes first so that a request without credentials gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cities.api.authentication.TokenAuthentication",
        "cities.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ipcity.api_permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "ipcity.api.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "ipcity.api.Pagination",
    # Requests per client (address when anonymous, account when signed in), counted in the shared Redis cache:
    # API_THROTTLE_ANON and API_THROTTLE_USER, read on every request (ipcity/api.py).
    "DEFAULT_THROTTLE_CLASSES": ["ipcity.api.AnonThrottle", "ipcity.api.UserThrottle"],
    "DEFAULT_SCHEMA_CLASS": "ipcity.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "ipcity.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}

API_THROTTLE_ANON = env_rate("API_THROTTLE_ANON", "60/min")
API_THROTTLE_USER = env_rate("API_THROTTLE_USER", "600/min")
# Personal API tokens expire this many days after creation (0: they never do).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 180)
if API_TOKEN_DAYS < 0:
    raise ImproperlyConfigured("API_TOKEN_DAYS must be 0 (no expiry) or more.")

SPECTACULAR_SETTINGS = {
    "TITLE": "ipcity API",
    "DESCRIPTION": (
        "国家知识产权试点、示范城市工作平台接口 (REST, JSON)。Authenticate with the browser session or a personal "
        "token created under 账户 → API 令牌: send `Authorization: Token ipc_…`. Every list is paginated "
        "(`page`, `page_size` ≤ 200) and can be filtered and ordered (`ordering`). Errors always have the shape "
        "`{\"code\", \"message\", \"fields\"}`; an object outside your scope is 404."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["ipcity.api_permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to validator.swagger.io: the intranet has no internet.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True, "persistAuthorization": False,
                            "docExpansion": "none", "filter": True},
    "ENUM_GENERATE_CHOICE_DESCRIPTION": True,
    # Several models have a "kind": each keeps its own enum name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "CriterionKindEnum": "reviews.enums.CriterionKind",
        "AssessmentKindEnum": "reviews.enums.AssessmentKind",
        "ReportKindEnum": "reviews.enums.ReportKind",
    },
    "DISABLE_ERRORS_AND_WARNINGS": False,
}

# --- Application ----------------------------------------------------------------------
IPCITY = {
    "PAGE_SIZE": env_int("IPCITY_PAGE_SIZE", 25),
    "AUDIT_RETENTION_DAYS": env_int("AUDIT_RETENTION_DAYS", 180),
    # The audit administrator's export is made while the browser waits (cities/audit_export.py): at most this
    # many rows, so that it stays well inside gunicorn's 30 s (bench/audit_export.py: README "Audit log").
    "AUDIT_EXPORT_MAX_ROWS": {"csv": env_int("AUDIT_EXPORT_MAX_ROWS_CSV", 50_000),
                              "xlsx": env_int("AUDIT_EXPORT_MAX_ROWS_XLSX", 5_000)},
    # Caps on what a zip-based file (.docx, .xlsx, .pptx, .odt …) declares it unpacks to, against zip bombs (README
    # "Configuration" says why each value). Materials are checked without unpacking them, but reviewers open them in
    # WPS or LibreOffice; an import is unpacked into the web process's memory and parsed there.
    "MATERIAL_MAX_UNPACKED_MB": env_int("MATERIAL_MAX_UNPACKED_MB", 200),
    "IMPORT_MAX_UNPACKED_MB": env_int("IMPORT_MAX_UNPACKED_MB", 50),
    # Deadline reminders: days before (+) and after (−) the due date; reminders more than
    # REMINDER_MAX_LATE_DAYS late are dropped (a scheduler outage never floods anyone).
    "REMINDER_OFFSETS": [14, 7, 3, 1, -1, -7],
    "REMINDER_MAX_LATE_DAYS": env_int("REMINDER_MAX_LATE_DAYS", 30),
    # Absolute links in e-mails, e.g. https://ipcity.example.gov.cn
    "SITE_URL": env_str("SITE_URL", ""),
}

# --- Health ---------------------------------------------------------------------------
# /healthz/full and the system administrator's home page (ipcity/health.py; README "Health checks").
# Beat is stale when its heartbeat is older than HEALTH_BEAT_STALE_AFTER seconds; it passes its loop
# (and records the heartbeat) at least three times in that span, and at least every 5 seconds.
HEALTH_BEAT_STALE_AFTER = env_int("HEALTH_BEAT_STALE_AFTER", 60)
if HEALTH_BEAT_STALE_AFTER < 3:
    raise ImproperlyConfigured("HEALTH_BEAT_STALE_AFTER must be at least 3 (seconds).")
CELERY_BEAT_MAX_LOOP_INTERVAL = min(5, HEALTH_BEAT_STALE_AFTER // 3)
# The disk of MEDIA_ROOT fails below either threshold (whichever is reached first).
HEALTH_DISK_MIN_FREE_PERCENT = env_int("HEALTH_DISK_MIN_FREE_PERCENT", 5)
HEALTH_DISK_MIN_FREE_MIB = env_int("HEALTH_DISK_MIN_FREE_MIB", 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"},
                # django-axes: failures and lockouts (warnings), not its start-up banner in every process.
                "axes": {"level": "WARNING"}},
}

SITE_TITLE = _("National IP Pilot and Demonstration Cities")
