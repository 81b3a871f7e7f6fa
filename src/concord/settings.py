"""Concord's one settings module.

Every value has a default fit for the embedded deployment (SQLite under ``var/``);
environment variables override them for production. See docs/operations.md.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PACKAGE_DIR = Path(__file__).resolve().parent
# The working directory of a deployment: the database, keys, mail and static files live here.
BASE_DIR = Path(os.environ.get("CONCORD_HOME", Path.cwd())).resolve()
VAR_DIR = Path(os.environ.get("CONCORD_VAR_DIR", BASE_DIR / "var")).resolve()

DEBUG = _env_bool("CONCORD_DEBUG", False)

_secret_file = VAR_DIR / "secret_key"


def _secret_key() -> str:
    """The SECRET_KEY from the environment, or one generated once and kept under var/."""
    if key := os.environ.get("CONCORD_SECRET_KEY"):
        return key
    if _secret_file.exists():
        return _secret_file.read_text().strip()
    import secrets

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    _secret_file.write_text(key)
    _secret_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("CONCORD_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("CONCORD_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "concord.charters",
    "concord.parties",
    "concord.record",
    "concord.notifications",
    "concord.procedures",
    "concord.exchange",
    "concord.delivery",
    "concord.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "concord.parties.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "concord.urls"
WSGI_APPLICATION = "concord.wsgi.application"
ASGI_APPLICATION = "concord.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "concord.web.context.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'concord.sqlite3'}",
        conn_max_age=int(os.environ.get("CONCORD_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend, with writers of one process queued fairly (concord.db).
    DATABASES["default"]["ENGINE"] = "concord.db.sqlite"
    # WAL lets readers go on while one writer appends; IMMEDIATE takes the write lock
    # at BEGIN so that concurrent appends queue instead of failing with "locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests get a file too, not Django's shared in-memory database: that one locks whole
    # tables against other connections and fails at once instead of waiting, which the
    # tests with several threads (live streams, group commits) would meet by chance.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"concord-test-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "parties.User"
LOGIN_URL = "web:sign_in"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:sign_in"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_SECURE = _env_bool("CONCORD_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("fr", _("French")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Front-end packages (htmx, Pico CSS) installed from the npm registry by `make assets`.
STATICFILES_DIRS = [d for d in [BASE_DIR / "build" / "vendor"] if d.exists()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
# A form of a few hundred rows (the annual exchange) has thousands of fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

EMAIL_BACKEND = os.environ.get(
    "CONCORD_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("CONCORD_FROM_EMAIL", "concord@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CONCORD_LOG_LEVEL", "WARNING")},
}

# --- Concord ---------------------------------------------------------------------

# Key that encrypts private signing keys at rest (Fernet, urlsafe base64 of 32 bytes).
# Without it, one is derived from SECRET_KEY; production sets its own and keeps it apart.
CONCORD_KEY_ENCRYPTION_KEY = os.environ.get("CONCORD_KEY_ENCRYPTION_KEY", "")

# The origin line of record checkpoints (C2SP tlog-checkpoint); also the note key name.
CONCORD_RECORD_ORIGIN = os.environ.get("CONCORD_RECORD_ORIGIN", "concord.localhost/record")

CONCORD_TOTP_ISSUER = os.environ.get("CONCORD_TOTP_ISSUER", "Concord")

# Sign-in lock-out: this many failures in a row lock the account for this many seconds.
CONCORD_LOCKOUT_THRESHOLD = int(os.environ.get("CONCORD_LOCKOUT_THRESHOLD", "5"))
CONCORD_LOCKOUT_SECONDS = int(os.environ.get("CONCORD_LOCKOUT_SECONDS", "900"))

# A demonstration deployment: sample data, no second factor required by default.
CONCORD_DEMO = _env_bool("CONCORD_DEMO", False)

# A new checkpoint is signed at most this often (seconds) while acts arrive.
CONCORD_CHECKPOINT_INTERVAL = float(os.environ.get("CONCORD_CHECKPOINT_INTERVAL", "3"))

# Reminders of notification deadlines go out this many days before they fall due.
CONCORD_REMINDER_DAYS = int(os.environ.get("CONCORD_REMINDER_DAYS", "14"))

# Heads of delegation and secretariat officers must use a second factor, except in a demo.
CONCORD_REQUIRE_TOTP = _env_bool("CONCORD_REQUIRE_TOTP", not CONCORD_DEMO)

# Exchange: attachment limits (bytes), and the score from which two names are a match
# (see `concord exchange compare-names`; empty: the matcher's own default).
CONCORD_EXCHANGE_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("CONCORD_EXCHANGE_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
)
CONCORD_EXCHANGE_ATTACHMENTS_TOTAL_BYTES = int(
    os.environ.get("CONCORD_EXCHANGE_ATTACHMENTS_TOTAL_BYTES", str(25 * 1024 * 1024))
)
CONCORD_NAME_MATCH_THRESHOLD = (
    float(os.environ["CONCORD_NAME_MATCH_THRESHOLD"])
    if os.environ.get("CONCORD_NAME_MATCH_THRESHOLD")
    else None
)

# --- Delivery: e-mail and webhooks (docs/delivery.md) ---
# The hub's address as members and receivers reach it: links in mails and webhook payloads.
CONCORD_BASE_URL = os.environ.get("CONCORD_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# An SMTP server for mail (with CONCORD_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = os.environ.get("CONCORD_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("CONCORD_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("CONCORD_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CONCORD_SMTP_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("CONCORD_SMTP_STARTTLS", False)
EMAIL_TIMEOUT = 10
# Daily digests go out at this hour of each member's own time zone.
CONCORD_MAIL_DIGEST_HOUR = int(os.environ.get("CONCORD_MAIL_DIGEST_HOUR", "7"))
# More acts than this waiting for one member are sent as one mail, not one mail each.
CONCORD_MAIL_IMMEDIATE_MAX = int(os.environ.get("CONCORD_MAIL_IMMEDIATE_MAX", "10"))
# Receivers over plain http:// on this host (127.0.0.1, localhost): development and tests.
CONCORD_WEBHOOK_ALLOW_HTTP = _env_bool("CONCORD_WEBHOOK_ALLOW_HTTP", False)
# Receivers at private network addresses (10/8, 172.16/12, 192.168/16, fc00::/7).
CONCORD_WEBHOOK_ALLOW_PRIVATE = _env_bool("CONCORD_WEBHOOK_ALLOW_PRIVATE", False)
# Seconds to connect and to wait for the answer of one delivery.
CONCORD_WEBHOOK_TIMEOUT = float(os.environ.get("CONCORD_WEBHOOK_TIMEOUT", "5"))
# Retries wait base · 2^(attempt-1) seconds, at most the maximum, with ±20 % jitter.
CONCORD_WEBHOOK_RETRY_BASE = float(os.environ.get("CONCORD_WEBHOOK_RETRY_BASE", "30"))
CONCORD_WEBHOOK_RETRY_MAX = float(os.environ.get("CONCORD_WEBHOOK_RETRY_MAX", "21600"))
# A delivery is given up after this many attempts (it can still be replayed).
CONCORD_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("CONCORD_WEBHOOK_MAX_ATTEMPTS", "15"))
# A webhook failing this many days without one success is disabled.
CONCORD_WEBHOOK_DISABLE_AFTER_DAYS = float(
    os.environ.get("CONCORD_WEBHOOK_DISABLE_AFTER_DAYS", "3")
)
# Receivers posted to at once by one worker pass.
CONCORD_WEBHOOK_CONCURRENCY = int(os.environ.get("CONCORD_WEBHOOK_CONCURRENCY", "4"))

# Live updates (server-sent events at /live/events). With REDIS_URL every web process
# hears of acts committed in any other through pub/sub; without it, a process wakes its
# own streams and learns of other processes' acts by polling the record.
REDIS_URL = os.environ.get("REDIS_URL", "")
CONCORD_LIVE_CHANNEL = os.environ.get("CONCORD_LIVE_CHANNEL", "concord:acts")
# Seconds between reads of the record when nothing woke the streams (a lost wake-up).
CONCORD_LIVE_POLL = float(os.environ.get("CONCORD_LIVE_POLL", "5"))
CONCORD_LIVE_HEARTBEAT = float(os.environ.get("CONCORD_LIVE_HEARTBEAT", "15"))
# A stream ends after this many seconds; the browser reconnects and signs in afresh.
CONCORD_LIVE_MAX_AGE = float(os.environ.get("CONCORD_LIVE_MAX_AGE", "300"))
CONCORD_LIVE_STREAMS_PER_USER = int(os.environ.get("CONCORD_LIVE_STREAMS_PER_USER", "6"))

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_CLASS = "ninja.pagination.LimitOffsetPagination"
NINJA_PAGINATION_MAX_LIMIT = 500
