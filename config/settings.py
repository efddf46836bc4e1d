"""Samtal settings. Every value comes from the environment; see .env.example."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from samtal.core.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

_INSECURE_KEY = "django-insecure-samtal-development-only"
SECRET_KEY = env_str("SECRET_KEY", _INSECURE_KEY if DEBUG else "")
if not DEBUG and (
    not SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "samtal.core",
    "samtal.accounts",
    "samtal.organisation",
    "samtal.talk_templates",
    "samtal.talks",
    "samtal.plans",
    "samtal.workenv",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above WhiteNoise, which answers static files itself: every response gets the policy.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session middleware, so a database that cannot load a session answers 503 too.
    "samtal.core.database_unavailable.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "samtal.accounts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'samtal.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that does not answer fails the request after this long, not the kernel's
    # TCP timeout (minutes); a restarting server refuses at once anyway.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and a worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["samtal.accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_NAME = "samtal_language"
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Samtal <samtal@localhost>")
# Seconds each step of the SMTP conversation may take (Django's default is to wait forever).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
# A worker's claim on an email it is sending lasts this long; after it, another worker takes the
# email over (the first one died). Keep it well above a slow send (several EMAIL_TIMEOUT steps).
SAMTAL_EMAIL_LEASE_SECONDS = env_int("SAMTAL_EMAIL_LEASE_SECONDS", 300, minimum=1)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: emails are queued in the database and sent by `manage.py db_worker`.
# Tests run tasks in-process ("django_tasks.backends.immediate.ImmediateBackend").
TASKS = {
    "default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")},
}

# Security. Secure by default in production; each can be relaxed from the environment.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading commits the whole registered domain (the university's, not just Samtal's host)
# to HTTPS in browsers for good, so it stays an explicit choice and is no deploy warning.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
_BEHIND_PROXY = env_bool("SECURE_PROXY_SSL_HEADER", False)
if _BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in front of Samtal append the client's address to X-Forwarded-For;
# 0 trusts only REMOTE_ADDR (a client can write any X-Forwarded-For it likes).
SAMTAL_TRUSTED_PROXY_COUNT = env_int(
    "SAMTAL_TRUSTED_PROXY_COUNT", 1 if _BEHIND_PROXY else 0, minimum=0
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): only Samtal's own files run or style a page; no inline
# script or style, no eval (htmx is told so in base.html), no framing, forms post only here.
# data: images are Pico's icons (SVG in its CSS) and the empty favicon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Login rate limiting, counted in the database so that all app instances share it. After
# SAMTAL_LOGIN_FAILURE_LIMIT failed logins for one email address from one client address within
# SAMTAL_LOGIN_LOCKOUT_MINUTES, that pair is refused for SAMTAL_LOGIN_LOCKOUT_MINUTES; after
# SAMTAL_LOGIN_IP_FAILURE_LIMIT failures from one client address (any email: password spraying),
# the address is. Many users behind one NAT share an address: raise the address limit for them.
SAMTAL_LOGIN_FAILURE_LIMIT = env_int("SAMTAL_LOGIN_FAILURE_LIMIT", 5, minimum=1)
SAMTAL_LOGIN_IP_FAILURE_LIMIT = env_int("SAMTAL_LOGIN_IP_FAILURE_LIMIT", 50, minimum=1)
SAMTAL_LOGIN_LOCKOUT_MINUTES = env_int("SAMTAL_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)

# Imports of 100 000 rows arrive as one file; keep it on disk, not in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
SAMTAL_IMPORT_MAX_BYTES = env_int("SAMTAL_IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)

# Product settings
SAMTAL_ANONYMITY_K = env_int("SAMTAL_ANONYMITY_K", 5, minimum=2)
SAMTAL_PUBLIC_RECORDS_NOTICE = env_bool("SAMTAL_PUBLIC_RECORDS_NOTICE", False)
SAMTAL_ORGANISATION_NAME = env_str("SAMTAL_ORGANISATION_NAME", "Samtal")
# Whom to contact about a problem with a development talk (HR, union representative, career
# coach): one contact per line, shown after the talk. Swedish and English text.
SAMTAL_TALK_CONTACTS_SV = env_str("SAMTAL_TALK_CONTACTS_SV", "")
SAMTAL_TALK_CONTACTS_EN = env_str("SAMTAL_TALK_CONTACTS_EN", "")
# Where links in emails and calendar invitations point, and the domain of invitation UIDs.
SAMTAL_BASE_URL = env_str("SAMTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Remind the manager of a talk not booked this many days before the round's deadline.
SAMTAL_REMIND_UNBOOKED_DAYS = env_int("SAMTAL_REMIND_UNBOOKED_DAYS", 14, minimum=1)
# The recommended length of a development talk; a shorter booking gets a warning.
SAMTAL_TALK_MINUTES = env_int("SAMTAL_TALK_MINUTES", 60, minimum=15)
# Remind both parties of a development-plan checkpoint this many days before its date.
SAMTAL_CHECKPOINT_REMIND_DAYS = env_int("SAMTAL_CHECKPOINT_REMIND_DAYS", 7, minimum=1)
SAMTAL_ACTION_REMIND_DAYS = env_int("SAMTAL_ACTION_REMIND_DAYS", 7, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools log every layout step at INFO.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
