"""Newsroom settings: one module, configured from the environment.

With no environment at all this is a laptop: SQLite and media files under ``var/``,
the local-memory cache, tasks in the database. ``DATABASE_URL``, ``REDIS_URL`` and the
``AWS_*`` variables turn the same code into stateless app servers that scale out.
The README lists every variable.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _development_settings():
    """The settings `make run` wrote to ``var/dev.env`` (DEBUG, SITE_URL, and DATABASE_URL or
    REDIS_URL when it had them), so a management command typed in another shell runs against the
    same site. The environment wins; a process given a SECRET_KEY (every deployment) never reads it."""
    path = VAR_DIR / "dev.env"
    if os.environ.get("SECRET_KEY") or not path.is_file():
        return
    for line in path.read_text().splitlines():
        name, equals, value = line.partition("=")
        if equals and not name.lstrip().startswith("#"):
            os.environ.setdefault(name.strip(), value.strip())


_development_settings()
DEBUG = env_bool("DEBUG")


def _secret_key():
    """A real key from the environment; a generated one is allowed only on a developer's laptop."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random string "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))"), '
            "or set DEBUG=1 for local development."
        )
    # Persist the development key so logins survive a restart of `make run`.
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public address of the site, used in feeds, sitemaps, ninjs URIs and share links.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "Newsroom")

INSTALLED_APPS = [
    "newsroom.core.app_configs.NewsroomAdminConfig",  # the admin, with two-step sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "django_prose_editor",
    "import_export",
    "axes",
    "django_otp",
    "newsroom.core.app_configs.TwoFactorConfig",  # django_otp.plugins.otp_totp
    "newsroom.core",
    "newsroom.media",
    "articles",
    "vehicles",
    "newsroom.syndication",
    "demo",
]

MIDDLEWARE = [
    "newsroom.core.middleware.RequestIdMiddleware",
    "newsroom.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Readers' cached pages are answered here, before sessions, auth and CSRF (newsroom.core.pagecache).
    "newsroom.core.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Turns a sign-in refused for too many failures into the "try again later" page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

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
                "django.template.context_processors.csp",
                "newsroom.core.context_processors.site",
                "articles.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'newsroom.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers at once (two editors, the task worker, a sync) must queue, never fail
    # with "database is locked": WAL lets readers run beside a writer, IMMEDIATE takes the
    # write lock at BEGIN (so no transaction has to upgrade and deadlock), and the timeout
    # makes a second writer wait for the first. Connections are kept between requests as on
    # PostgreSQL (CONN_MAX_AGE): opening one (the file, its pragmas, reading the schema, Django's
    # SQL functions) cost more than the whole rest of an uncached article page. A kept connection
    # in autocommit holds no lock and no snapshot between requests; a file has no server to lose
    # it, so it is not health-checked.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    busy_timeout = env_int("DATABASE_BUSY_TIMEOUT", 30)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": busy_timeout,  # sqlite3's busy timeout: how long a writer waits for the lock
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file too (not the in-memory default), so they run with the same locking as
    # production; one file per process, so two test runs side by side never share one.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
else:
    # Django's PostgreSQL backend with a health check that asks the socket, not the server.
    DATABASES["default"]["ENGINE"] = "newsroom.core.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {})
    # Fail fast while PostgreSQL is down, so requests get a 503 instead of hanging.
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 3))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when configured (shared by every app server), else files under CACHE_DIR that every
# process on this machine shares (gunicorn workers, the task worker, management commands): the
# page cache, what makes its pages stale and the API's rate-limit counters must be one for all.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_DIR = Path(os.environ.get("CACHE_DIR", VAR_DIR / "cache"))
if REDIS_URL:
    CACHES = {
        "default": {
            # Cache errors are misses: pages and the API keep answering while Redis is down.
            "BACKEND": "newsroom.core.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsroom",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "newsroom.core.cache.SharedFileCache",
            "LOCATION": str(CACHE_DIR),
            # Room for every page of a large site; beyond it a third of the entries are dropped.
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 20_000), "CULL_FREQUENCY": 3},
        }
    }
# Exported cells that editors typed starting with "=" must not run as spreadsheet formulas.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
# Anonymous pages are cached for this long; publishing invalidates them at once.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)
# How long an edge cache or CDN may keep a page (s-maxage): never longer than what is left of the
# page cache's copy, nor past the next go-live minute. Edges purged by key may keep pages longer.
PAGE_CDN_SECONDS = env_int("PAGE_CDN_SECONDS", 60)

# Edge caches in front of the app servers, purged by key after every public change
# (newsroom.core.edge; the README's "Scaling out"). Varnish: the PURGE addresses of each cache
# running deploy/varnish/newsroom.vcl, comma-separated. Fastly and Cloudflare: their API token
# and service or zone. None of them set: no edge, nothing purged.
EDGE_PURGE_URLS = env_list("EDGE_PURGE_URLS")
FASTLY_API_TOKEN = os.environ.get("FASTLY_API_TOKEN", "")
FASTLY_SERVICE_ID = os.environ.get("FASTLY_SERVICE_ID", "")
FASTLY_API_URL = os.environ.get("FASTLY_API_URL", "https://api.fastly.com")
CLOUDFLARE_API_TOKEN = os.environ.get("CLOUDFLARE_API_TOKEN", "")
CLOUDFLARE_ZONE_ID = os.environ.get("CLOUDFLARE_ZONE_ID", "")
CLOUDFLARE_API_URL = os.environ.get("CLOUDFLARE_API_URL", "https://api.cloudflare.com/client/v4")
# Seconds to wait for an edge's answer; attempts before a purge is given up (logged as an error).
EDGE_PURGE_TIMEOUT = env_int("EDGE_PURGE_TIMEOUT", 5)
EDGE_PURGE_ATTEMPTS = env_int("EDGE_PURGE_ATTEMPTS", 8)
if CLOUDFLARE_ZONE_ID:
    # Cloudflare reads the keys from Cache-Tag: add it to every answer, page-cache hits included.
    MIDDLEWARE.insert(1, "newsroom.core.edge.CacheTagMiddleware")

# Sessions live in the database so any app server can serve any editor.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Background tasks: the database-backed worker (`manage.py worker`) unless told otherwise.
# TASKS_BACKEND=immediate runs each task inside the request (tests, quick demos).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django.tasks.backends.immediate.ImmediateBackend",
            "dummy": "django.tasks.backends.dummy.DummyBackend",
        }[TASKS_BACKEND],
        "QUEUES": ["default", "webhooks"],
    }
}
# A task claimed longer ago than this is assumed abandoned by a dead worker and run again
# (`manage.py worker`, newsroom.core.tasks). Longer than any task may take; tasks are idempotent.
TASK_LEASE_SECONDS = env_int("TASK_LEASE_SECONDS", 600)

# Signing in to the admin. Failed sign-ins are counted in the database, so every process and app
# server sees the same count (django-axes): LOGIN_FAILURE_LIMIT failures for one account from one
# address lock that pair out for LOGIN_LOCKOUT_MINUTES, and failures for one account from
# LOGIN_ACCOUNT_ADDRESS_LIMIT different addresses lock it for every address it has not signed in
# from before (newsroom.core.signin). Staff may add a second factor (TOTP, django-otp).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out sign-in before checking the password
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "newsroom.core.signin.LoginAttempts"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LOGIN_ACCOUNT_ADDRESS_LIMIT = env_int("LOGIN_ACCOUNT_ADDRESS_LIMIT", 10)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "newsroom.core.clients.client_address"
AXES_LOCKOUT_CALLABLE = "newsroom.core.signin.locked_out"
AXES_VERBOSE = False  # newsroom.core.signin logs sign-ins and lockouts as JSON lines instead
# Our reverse proxies (the same variable gunicorn reads): only their X-Forwarded-For is believed.
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
OTP_TOTP_ISSUER = SITE_NAME

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Object storage (S3-compatible) when a bucket is named; local files otherwise. The keys come from
# boto3's usual places: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the machine's role.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": AWS_STORAGE_BUCKET_NAME,
                "endpoint_url": AWS_S3_ENDPOINT_URL,
                "region_name": AWS_S3_REGION_NAME,
                # Other S3 APIs (MinIO, Ceph, R2, moto) answer at one host name: the bucket goes in
                # the path. AWS itself picks the bucket's own host name.
                "addressing_style": (
                    os.environ.get("AWS_S3_ADDRESSING_STYLE") or ("path" if AWS_S3_ENDPOINT_URL else None)
                ),
                "custom_domain": AWS_S3_CUSTOM_DOMAIN,
                # Plain public URLs: cached pages and stored API answers hold them, and a signed URL
                # expires. Readers may read the bucket (its policy), nobody may list or write it.
                "querystring_auth": False,
                "default_acl": None,
                "file_overwrite": False,
                # A stored file's name carries its content hash, so a file never changes.
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        }
        if AWS_STORAGE_BUCKET_NAME
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    # Fingerprinted, compressed static files in production; plain files while developing and testing.
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not env_bool("STATIC_PLAIN")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Image uploads (newsroom.media).
IMAGE_MAX_UPLOAD_BYTES = env_int("IMAGE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 50_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Preview share links for people without a login.
PREVIEW_LINK_MAX_AGE = env_int("PREVIEW_LINK_MAX_AGE", 48 * 3600)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Newsroom syndication API",
    "DESCRIPTION": "Published articles and vehicle records for partners, as JSON and IPTC ninjs 3.1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Webhooks to partners: endpoints on private, loopback or link-local addresses (and plain http)
# are refused unless developing; tests that run a receiver on loopback turn this on.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", DEBUG)

# Security. Production values come on when DEBUG is off; HTTPS-only ones can be relaxed
# for a plain-HTTP deployment behind a trusted network with SECURE_SSL_REDIRECT=0.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preload makes the header eligible for browsers' built-in HTTPS list; opt out with SECURE_HSTS_PRELOAD=0.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG and SECURE_HSTS_SECONDS >= 31_536_000)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


def _media_origins():
    """Where readers' browsers fetch images from when they live in a bucket: its custom domain, the
    S3-compatible endpoint, or AWS's host names for the bucket."""
    if not AWS_STORAGE_BUCKET_NAME:
        return []
    if AWS_S3_CUSTOM_DOMAIN:
        return [f"https://{AWS_S3_CUSTOM_DOMAIN}"]
    if AWS_S3_ENDPOINT_URL:
        endpoint = urlsplit(AWS_S3_ENDPOINT_URL)
        return [f"{endpoint.scheme}://{endpoint.netloc}"]
    regional = (
        [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{AWS_S3_REGION_NAME}.amazonaws.com"] if AWS_S3_REGION_NAME else []
    )
    return [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com", *regional]


SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *_media_origins(), *env_list("CSP_IMG_SRC")],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "newsroom.core.logging.JsonFormatter"}},
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json"},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own "django" logger prints to the console in DEBUG, and its records reach the
        # root's JSON handler too: every line twice. Here it keeps only the mail to ADMINS.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django_tasks_db": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # its routine notes; newsroom.signin logs sign-ins and lockouts
    },
}

# Email (notices such as a disabled webhook endpoint): SMTP when EMAIL_HOST is set; in production
# without it, the local mail relay (localhost:25, Django's classic default) so mail is never only
# printed; on a laptop (DEBUG) written to the log so nothing is silently dropped.
_email_relay = bool(os.environ.get("EMAIL_HOST"))
_email_host = os.environ.get("EMAIL_HOST", "" if DEBUG else "localhost")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int("EMAIL_PORT", 587 if _email_relay else 25),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", _email_relay),
                "timeout": 10,
            },
        }
        if _email_host
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsroom@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# "Name <address>" pairs, comma-separated: who hears about server errors and disabled endpoints.
ADMINS = env_list("ADMINS")
