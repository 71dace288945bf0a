"""Filiform's settings: one module, every knob read from the environment (see docs/deployment.md)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from filiform.env import envbool, envint, envlist, envstr, persistent_secret

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(envstr("FILIFORM_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = envbool("FILIFORM_DEBUG", False)
SECRET_KEY = envstr("FILIFORM_SECRET_KEY") or persistent_secret(DATA_DIR / "secret_key")
ALLOWED_HOSTS = envlist("FILIFORM_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("FILIFORM_CSRF_TRUSTED_ORIGINS")
SITE_URL = envstr("FILIFORM_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "filiform.accounts",
    "filiform.clinics",
    "filiform.audit",
    "filiform.notices",
    "filiform.patients",
    "filiform.links",
    "filiform.practitioners",
    "filiform.consent",
    "filiform.anatomy",
    "filiform.screening",
    "filiform.clearance",
    "filiform.charting",
    "filiform.supplies",
    "filiform.operations",
    "filiform.portal",
    "filiform.aftercare",
    "filiform.outcomes",
    "filiform.billing",
    "filiform.insurance",
    "filiform.idempotency",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "filiform.cache_control.NoStoreMiddleware",
    "filiform.api_errors.JsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "filiform.accounts.middleware.IdleTimeoutMiddleware",
    "filiform.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "filiform.urls"
WSGI_APPLICATION = "filiform.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "filiform" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "filiform.clinics.context_processors.active_clinic",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# SQLite under the data directory unless DATABASE_URL names a PostgreSQL server. These are
# medical records: WAL for concurrent readers, synchronous=FULL so a committed note survives a
# power cut, foreign keys enforced, and IMMEDIATE transactions so writers queue instead of failing.
DATABASE_URL = envstr("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=envint("FILIFORM_DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "filiform.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=FULL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# PostgreSQL: migrations run as the role that owns the tables; the application's role (in
# DATABASE_URL) owns nothing, so it cannot disable the audit log's triggers (docs/deployment.md).
FILIFORM_MIGRATION_DATABASE_URL = envstr("FILIFORM_MIGRATION_DATABASE_URL")

# --- Audit log ------------------------------------------------------------------------------------
# The key that signs the audit chain's checkpoints (docs/audit.md). It must not be in the
# database; in production give it from outside DATA_DIR (FILIFORM_AUDIT_KEY_FILE). Unset, a key is
# generated into DATA_DIR/audit_key like SECRET_KEY: good for a demo or a developer, but it sits
# next to a SQLite database, so `filiform check --deploy` warns (filiform/audit/apps.py).
FILIFORM_AUDIT_KEY_FROM_ENVIRONMENT = bool(envstr("FILIFORM_AUDIT_KEY"))
FILIFORM_AUDIT_KEY = envstr("FILIFORM_AUDIT_KEY") or persistent_secret(DATA_DIR / "audit_key")
FILIFORM_AUDIT_CHECKPOINTS = Path(
    envstr("FILIFORM_AUDIT_CHECKPOINTS", str(DATA_DIR / "audit-checkpoints.jsonl"))
)

# --- Accounts and security ---------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "clinics:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle sessions end after this many minutes unless the clinic sets its own limit.
FILIFORM_IDLE_TIMEOUT_MINUTES = envint("FILIFORM_IDLE_TIMEOUT_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = 12 * 60 * 60  # a working day at most, whatever the idle timeout
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "filiform.accounts.views.csrf_failure"

# The reverse proxies whose X-Forwarded-For is believed (addresses or networks); empty: none,
# the client is the direct peer. One rule for audit, lock-out and throttles: filiform/client_address.py.
FILIFORM_TRUSTED_PROXIES = envlist("FILIFORM_TRUSTED_PROXIES")

# Sign-in lock-out per e-mail and address, and per address across e-mails (accounts/lockout.py).
AXES_HANDLER = "filiform.accounts.lockout.SignInLockout"
AXES_FAILURE_LIMIT = envint("FILIFORM_LOGIN_FAILURE_LIMIT", 5, minimum=1)
FILIFORM_LOGIN_FAILURE_LIMIT_PER_ADDRESS = envint(
    "FILIFORM_LOGIN_FAILURE_LIMIT_PER_ADDRESS", 20, minimum=1
)
AXES_COOLOFF_TIME = timedelta(minutes=envint("FILIFORM_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "filiform.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "filiform.client_address.client_ip"
# Password-reset e-mails per hour, per e-mail address and per client (accounts/reset_throttle.py).
FILIFORM_PASSWORD_RESETS_PER_EMAIL = envint("FILIFORM_PASSWORD_RESETS_PER_EMAIL", 3, minimum=1)
FILIFORM_PASSWORD_RESETS_PER_IP = envint("FILIFORM_PASSWORD_RESETS_PER_IP", 10, minimum=1)

OTP_TOTP_ISSUER = "Filiform"
OTP_TOTP_THROTTLE_FACTOR = 1

# One switch for deployments behind HTTPS: secure cookies, HSTS, redirect, and an upgrade policy.
HTTPS = envbool("FILIFORM_HTTPS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("FILIFORM_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

_csp_directives: dict[str, list[str] | bool] = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
if HTTPS:
    _csp_directives["upgrade-insecure-requests"] = True
CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives}

# --- API --------------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("FILIFORM_MAX_BODY_BYTES", 2 * 1024 * 1024, minimum=1024)
# (file uploads are limited per field by the view that takes them)
NINJA_PAGINATION_PER_PAGE = 20

# --- Outgoing requests (insurers' endpoints; filiform/outgoing.py) --------------------------------
# Off: https to public addresses only. On: loopback, private addresses and http too (a test
# insurer on this machine, an insurer over a private link). The operator's choice, not a clinic's.
FILIFORM_ALLOW_PRIVATE_ENDPOINTS = envbool("FILIFORM_ALLOW_PRIVATE_ENDPOINTS", False)

# --- Background work ----------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
FILIFORM_WORKER_HEARTBEAT_SECONDS = envint("FILIFORM_WORKER_HEARTBEAT_SECONDS", 15, minimum=1)
# A task claimed by a worker that has not beaten for this long is run again (operations/leases.py):
# eight missed beats, so a busy worker is never taken for a dead one.
FILIFORM_TASK_LEASE_SECONDS = envint(
    "FILIFORM_TASK_LEASE_SECONDS", 8 * FILIFORM_WORKER_HEARTBEAT_SECONDS, minimum=2
)

# --- E-mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = envstr("FILIFORM_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = envint("FILIFORM_EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("FILIFORM_EMAIL_USER")
EMAIL_HOST_PASSWORD = envstr("FILIFORM_EMAIL_PASSWORD")
EMAIL_USE_TLS = envbool("FILIFORM_EMAIL_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = envstr("FILIFORM_EMAIL_FROM", "Filiform <no-reply@filiform.invalid>")

# --- Language, time, static files ---------------------------------------------------------------
LANGUAGE_CODE = "en-ca"
LANGUAGES = [("en-ca", "English"), ("fr-ca", "Français")]
LOCALE_PATHS = [BASE_DIR / "filiform" / "locale"]
USE_I18N = True
TIME_ZONE = "America/Toronto"
USE_TZ = True

# Uploaded documents (certificates) are served only through permission-checked views.
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "filiform" / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("FILIFORM_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}, "axes": {"level": "WARNING"}},
}
