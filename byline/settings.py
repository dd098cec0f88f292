"""Django settings for Byline, read from the environment and validated at start-up.

Operators configure Byline only through environment variables (see docs/configuration.md);
this module is not meant to be edited per site.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from byline.core.env import env_bool, env_int, env_list, env_str, secret_key

django_stubs_ext.monkeypatch()

PACKAGE_DIR = Path(__file__).resolve().parent

BYLINE_ENV = env_str("BYLINE_ENV", "development").strip().lower()
if BYLINE_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"BYLINE_ENV must be 'development' or 'production'; it is {BYLINE_ENV!r}."
    )
PRODUCTION = BYLINE_ENV == "production"

# ./var holds everything a running site writes: the SQLite database, the generated secret key,
# collected static files and outgoing mail in development.
VAR_DIR = Path(env_str("BYLINE_VAR_DIR", "./var")).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key(VAR_DIR, PRODUCTION)

if PRODUCTION and "ALLOWED_HOSTS" not in os.environ:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is required when BYLINE_ENV=production: the comma-separated host names "
        "your site answers to, e.g. ALLOWED_HOSTS=blog.example.org"
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "byline.core",
    "byline.accounts",
    "byline.publishing",
    "byline.discussion",
    "byline.moderation",
    "byline.migration",
    "byline.demo",
    # The JSON API (/api/v1/); "ninja" serves Swagger UI's files locally, not from a CDN.
    "ninja",
    "byline.api",
]

MIDDLEWARE = [
    # /healthz and /readyz for load balancers, before host checks, redirects and the page cache.
    "byline.core.probes.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "byline.core.middleware.SecurityHeadersMiddleware",
    # Under /api/: every error is the API's JSON error (404s, the body-size limit, 500s).
    "byline.api.middleware.ApiMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag on every page, and 304 for a conditional GET (cached pages also carry Last-Modified).
    "django.middleware.http.ConditionalGetMiddleware",
    # Strangers' pages are answered here, before sessions, URL resolution and the database.
    "byline.core.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "byline.migration.middleware.LegacyURLMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication, so the larger limit for archive uploads is granted only to an
    # administrator; before any view or CSRF check reads a body (they read it in process_view).
    "byline.core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "byline.urls"
WSGI_APPLICATION = "byline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "byline.moderation.context_processors.moderation",
                "byline.core.context_processors.site",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'byline.sqlite3'}"
_database_url = env_str("DATABASE_URL", _default_db)
try:
    _db = dj_database_url.parse(_database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
except ValueError as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL Byline understands ({exc}). Examples: "
        "sqlite:///./var/byline.sqlite3 or postgres://user:password@host:5432/byline"
    ) from None
if _db["ENGINE"] not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
    raise ImproperlyConfigured(
        f"DATABASE_URL must point at SQLite or PostgreSQL; {_db['ENGINE']} is not supported."
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    Path(str(_db["NAME"])).parent.mkdir(parents=True, exist_ok=True)
    # Connections are kept between requests as on PostgreSQL: opening one and running the
    # PRAGMAs below cost more than half a millisecond per page.
    # WAL lets readers proceed while a comment is being written; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock when two requests write at once.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
_cache_prefix = env_str("CACHE_KEY_PREFIX", "byline")
CACHES: dict[str, dict[str, Any]]
_redis_options = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}
if REDIS_URL:
    CACHES = {
        # A Redis that stops answering is a cache miss, not an error page (core.cache); the
        # short timeouts keep a dead Redis from holding every request.
        "default": {
            "BACKEND": "byline.core.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": _cache_prefix,
            "OPTIONS": _redis_options,
        },
        "shared": {
            "BACKEND": "byline.core.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{_cache_prefix}-shared",
            "OPTIONS": _redis_options,
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # What every app process must see alike (`byline serve` starts two): the page cache and
        # the site settings. On one machine without Redis it lives in files under var/.
        "shared": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / "shared"),
            "OPTIONS": {"MAX_ENTRIES": env_int("BYLINE_PAGE_CACHE_ENTRIES", 20_000, minimum=100)},
        },
    }

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
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
# Outside production whitenoise serves straight from the app folders, so a fresh checkout needs
# no collectstatic step.
WHITENOISE_USE_FINDERS = not PRODUCTION

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "byline@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10

# How many reverse proxies (nginx, a load balancer) stand in front of the app servers. Rate
# limits, bans and the moderation queue need each reader's own address: with N proxies it is
# the Nth address from the right of X-Forwarded-For (the ones to its left can be forged).
# 0: the connection's own address (REMOTE_ADDR).
BYLINE_PROXY_COUNT = env_int("BYLINE_PROXY_COUNT", 0, minimum=0)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sent on every response by byline.core.middleware.SecurityHeadersMiddleware (and written
# into docs/nginx-byline.conf for the pages nginx serves itself). Byline's pages run no inline
# script or style; images in posts may come from anywhere, as old archives link them.
BYLINE_CONTENT_SECURITY_POLICY = env_str(
    "BYLINE_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; "
    "media-src 'self' https:; font-src 'self'; connect-src 'self'; frame-src 'none'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
BYLINE_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
if PRODUCTION:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    # Production is HTTPS: plain-HTTP requests are redirected, and browsers are told to come
    # back only over HTTPS for a year (HSTS). Turn either off in the environment if a site
    # really must serve HTTP (and see docs/configuration.md for what that costs).
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading is a promise to browsers' built-in lists that is slow to take back: the
    # operator makes it (SECURE_HSTS_PRELOAD=true), so Django's reminder about it is silenced.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Request bodies above this are refused before Django reads them into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("BYLINE_MAX_REQUEST_BYTES", 256 * 1024, minimum=1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Byline's own knobs. The discussion defaults an editor may change at run time live in the
# database (DiscussionSettings); these are the operator-level bounds.
BYLINE_SITE_NAME = env_str("BYLINE_SITE_NAME", "Byline")
BYLINE_POSTS_PER_PAGE = env_int("BYLINE_POSTS_PER_PAGE", 10, minimum=1, maximum=100)
# How long shared caches may keep a stranger's page; comment posters see their own fresh page.
BYLINE_PAGE_MAX_AGE = env_int("BYLINE_PAGE_MAX_AGE", 60, minimum=0)
# …and how long after that they may still answer with it while they fetch a fresh one.
BYLINE_PAGE_STALE = env_int("BYLINE_PAGE_STALE", 30, minimum=0)
# Byline's own page cache (byline.core.pagecache): strangers' pages served without rendering.
BYLINE_PAGE_CACHE = env_bool("BYLINE_PAGE_CACHE", True)
# Each app process also keeps recently served pages in its own memory, up to this many MB.
BYLINE_PAGE_CACHE_MEMORY_MB = env_int("BYLINE_PAGE_CACHE_MEMORY_MB", 64, minimum=0)
# Optional: also write cached pages as files for nginx to serve directly (docs/deployment.md).
BYLINE_PAGE_FILES_DIR = env_str("BYLINE_PAGE_FILES_DIR", "")
# The site's public address, for absolute links in exports (WXR <link>, guid).
BYLINE_SITE_URL = env_str("BYLINE_SITE_URL", "http://127.0.0.1:8000")
# Archive uploads in the admin may be far larger than any form; only these paths get the limit.
BYLINE_MAX_IMPORT_BYTES = env_int("BYLINE_MAX_IMPORT_BYTES", 2 * 1024**3, minimum=1024)
BYLINE_LARGE_UPLOAD_PATHS = {"/admin/migration/importrun/upload/"}
# Admin uploads import in a separate process; off runs them inside the request (tests, tiny sites).
BYLINE_IMPORT_IN_BACKGROUND = env_bool("BYLINE_IMPORT_IN_BACKGROUND", True)
# The most one entry of an archive may hold (a post with its comments, one Disqus comment): a
# bigger one is left out, named in the report, and the rest imported. Bounds an import's memory.
BYLINE_IMPORT_MAX_ITEM_BYTES = env_int(
    "BYLINE_IMPORT_MAX_ITEM_BYTES", 20 * 1024**2, minimum=64 * 1024
)
# An import running on another machine whose heartbeat is older than this is taken for dead.
BYLINE_IMPORT_STALE_MINUTES = env_int("BYLINE_IMPORT_STALE_MINUTES", 10, minimum=1)
# A moderator's decision refits the classifiers in a background thread of the process that took
# it; off refits inside the request, after the decision commits (tests, scripts).
BYLINE_LEARN_IN_BACKGROUND = env_bool("BYLINE_LEARN_IN_BACKGROUND", True)
