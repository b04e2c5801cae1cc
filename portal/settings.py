"""Settings for the indirect reseller portal, read from the environment.

Without any environment variable the portal runs on the embedded default:
SQLite under ``var/``, Celery tasks executed eagerly, mail written to the
dev mailbox under ``var/mail``. Production sets DEBUG off, SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL, CELERY_BROKER_URL, REDIS/CACHE_URL and EMAIL_URL.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-used-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # The Django admin behind a second factor (mfa.admin.PortalAdminSite).
    "mfa.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "portal",
    "partners",
    "customers",
    "subscriptions",
    "billing",
    "relationships",
    "mfa",
    "jobs",
    "overview",
    "api",
    "webhooks",
    "devdata",
    # Last: its catalogue's translations (country names, and "Country" as 国家) give way
    # to the portal's own where both have a string.
    "django_countries",
]

MIDDLEWARE = [
    "portal.outages.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.signin.SessionBackendMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.TenantMiddleware",
    "mfa.middleware.SecondFactorMiddleware",
    "portal.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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
                "csp.context_processors.nonce",
                "portal.context_processors.tenant",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    },
    {
        # The long tables (their headings and rows), where the template
        # language's cost per variable adds up: see portal/jinja2.py.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "portal.jinja2.environment",
            "autoescape": True,
            "extensions": ["jinja2.ext.i18n"],
        },
    },
]

VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections in production (a new connection per request costs
# more than most pages' queries); checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
elif env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    # Parameters bound by the server, so a query's text repeats and psycopg
    # prepares it after a few runs on a connection: PostgreSQL then parses and
    # plans it once, not on every request (planning the subscription details'
    # joins took 2 ms of its 3). Turn off behind a transaction-pooling
    # PgBouncer older than 1.21, which cannot route prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, the user and membership read from the cache per request.
    "portal.signin.CachedModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Cache: Redis when configured (login throttling and rate limits must be shared
# between workers), a process-local cache on the embedded default.
CACHE_URL = env.str("CACHE_URL", default=env.str("REDIS_URL", default=""))
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions are read from the cache (one Redis round trip, no query) and kept in
# the database too, so a cache restart signs no one out (portal/sessions.py).
SESSION_ENGINE = "portal.sessions"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format and one date-and-time format per language (portal/formats/<lang>/).
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Mail: every message is an outbox row first (portal.emails), then a Celery
# task sends it through this backend.
if "EMAIL_URL" in env:
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"
    )
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Indirect reseller portal <no-reply@portal.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 10

# Celery: eager on the embedded default, a real broker when configured.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# A page that enqueues mail must not hang when Redis is down: publish fails
# fast and the outbox relay sends the row later.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
    "max_retries": 0,
}
CELERY_BEAT_SCHEDULE = {
    "relay-queued-emails": {
        "task": "portal.tasks.relay_queued_emails",
        "schedule": timedelta(minutes=1),
    },
    # Renewals and their reminders: idempotent, so an hourly run (or two at once) is safe.
    "renew-subscriptions": {
        "task": "subscriptions.tasks.renew_subscriptions",
        "schedule": timedelta(hours=1),
    },
    # Billing periods that have started inside a term: each charged once.
    "bill-periods": {
        "task": "billing.tasks.bill_periods",
        "schedule": timedelta(hours=1),
    },
    # Last month's statements, closed on the 1st; hourly so a missed run is caught up
    # (closing a closed month changes nothing).
    "close-statements": {
        "task": "billing.tasks.close_statements",
        "schedule": timedelta(hours=1),
    },
    "relay-due-webhooks": {
        "task": "webhooks.tasks.relay_due_webhooks",
        "schedule": timedelta(minutes=1),
    },
    # The overview's summary rows: every organisation's figures and charts, recounted whole.
    "refresh-overview": {
        "task": "overview.tasks.refresh_summaries",
        "schedule": timedelta(minutes=15),
    },
    "admin-relationship-lifecycle": {
        "task": "relationships.tasks.run_lifecycle",
        "schedule": timedelta(days=1),
    },
    # Imports whose worker died mid-run: their rows are idempotent, so queueing again is safe.
    "requeue-stalled-jobs": {
        "task": "jobs.tasks.requeue_stalled_jobs",
        "schedule": timedelta(minutes=1),
    },
}

# Product settings
# Development only: webhook endpoints on http://, and on loopback or private addresses.
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=False)
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=False)
# Requests per minute one API key may make.
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
PARTNERSHIP_INVITE_TTL_DAYS = env.int("PARTNERSHIP_INVITE_TTL_DAYS", default=30)
# Partnership-request emails an organisation may send (and resend) per hour.
PARTNERSHIP_REQUESTS_PER_HOUR = env.int("PARTNERSHIP_REQUESTS_PER_HOUR", default=20)
OUTBOX_RELAY_AFTER_SECONDS = env.int("OUTBOX_RELAY_AFTER_SECONDS", default=60)
# A row handed to the broker and still queued after this long was lost (or ran
# out of retries): the relay hands it over again. Longer than a task's retries
# take (backoff 5 s doubling, at most 600 s, five times).
OUTBOX_RELAY_LOST_AFTER_SECONDS = env.int("OUTBOX_RELAY_LOST_AFTER_SECONDS", default=900)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
# A worker renews its claim on the rows of its batch every third of this; the
# relay hands over again the rows of a claim older than this (a dead worker).
OUTBOX_CLAIM_LEASE_SECONDS = env.int("OUTBOX_CLAIM_LEASE_SECONDS", default=120)
CUSTOMER_DOMAIN_SUFFIX = "onmicrosoft.example"
# A running background job (an import) without progress for this long lost its
# worker: the beat queues it again. A batch takes seconds, so minutes is no false alarm.
JOBS_STALLED_AFTER_MINUTES = env.int("JOBS_STALLED_AFTER_MINUTES", default=5)

# Multi-factor authentication (django-otp): TOTP apps, recovery codes and
# WebAuthn security keys / passkeys (django-otp-webauthn). WebAuthn needs a
# domain name (not an IP address) and HTTPS, or http://localhost.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Indirect reseller portal")
_site_host = urlsplit(SITE_URL).hostname or "localhost"
try:
    ipaddress.ip_address(_site_host)
    _site_host = "localhost"
except ValueError:
    pass
OTP_WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default=_site_host)
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "WEBAUTHN_ALLOWED_ORIGINS",
    default=[SITE_URL]
    if SITE_URL.startswith(("https://", "http://localhost"))
    else ["http://localhost:8000"],
)
# Password first, always: a passkey is a second factor here, never a sign-in on its own.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "mfa.webauthn"

# Login throttling (django-axes) in the database: shared by every worker, and
# sign-in stays protected (and working) when Redis is down.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Locked per (username, client address): failures from one address never lock
# out the same user signing in from another.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "portal.ratelimit.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Content Security Policy: no inline script; htmx is served from static.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        # htmx's swap writes an empty inline style; only that empty value is allowed.
        "style-src": [
            "'self'",
            "'unsafe-hashes'",
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        ],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'", "mailto:"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Security headers. Production (DEBUG off) gets the strict defaults that
# `manage.py check --deploy` asks for; each can be relaxed by environment.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
# Opt-in: both bind every subdomain of the operator's domain to HTTPS for a
# year (preload: in the browsers' built-in lists, which takes months to undo).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# `check --deploy` warns while they are off; off is the deliberate default here.
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in front of the portal append to X-Forwarded-For
# (the TLS proxy: 1). The client's address, for sign-in lockout, rate limits
# and the activity log, is the entry the outermost of them appended; with 0
# the header is ignored (any client could write it) and REMOTE_ADDR is used.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
