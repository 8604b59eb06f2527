"""Settings, read from the environment only (documented in .env.example).

Defaults serve a laptop with nothing running: SQLite, the rule engine, Celery on a filesystem broker.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ

from hunter_robot import serving

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Laptop defaults so `make run` and the tests need nothing; `check --deploy` fails while either is in use.
LAPTOP_SECRET_KEY = "insecure-dev-only-change-me"
LAPTOP_PII_HASH_KEY = "hunter-robot-dnc"
SECRET_KEY = env.str("SECRET_KEY", default=LAPTOP_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django-unfold skins the admin; it must come before django.contrib.admin (its templates win).
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.import_export",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as static files: the docs work offline
    "django_celery_beat",
    "import_export",
    "axes",  # failed-login lockout of the console (settings under "Security")
    "hunter_robot",
    "recruit",
    "wechat",
    "chatbot",
]

MIDDLEWARE = [
    # Outermost: times the whole request, envelope included (hunter_robot/health.py; no SQL).
    "hunter_robot.health.MetricsMiddleware",
    "hunter_robot.api.middleware.ApiEnvelopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hunter_robot.security.ConsoleContentSecurityPolicy",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hunter_robot.urls"
WSGI_APPLICATION = "hunter_robot.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# SQLite serves the dev server's threads only with WAL, IMMEDIATE transactions and a busy timeout.
DATABASES = {
    "default": env.db(
        "DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- i18n / time ----------------------------------------------------------------------------------
# The console speaks LANGUAGE_CODE whatever the browser asks (there is no LocaleMiddleware): Chinese by
# default, English with LANGUAGE_CODE=en.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# The console's skin (django-unfold): branding and the sidebar, built per request by hunter_robot.console.
UNFOLD = {
    "SITE_TITLE": "hunter_robot.console.site_title",
    "SITE_HEADER": "hunter_robot.console.site_title",
    "SITE_SUBHEADER": "hunter_robot",
    "SITE_SYMBOL": "smart_toy",
    "SITE_URL": "/admin/",
    "SHOW_VIEW_ON_SITE": False,
    "COLORS": {
        # Teal: the brand colour (primary buttons, links, the sidebar's active item, the funnel's bars).
        "primary": {
            "50": "oklch(98.4% .014 180.72)",
            "100": "oklch(95.3% .051 180.801)",
            "200": "oklch(91% .096 180.426)",
            "300": "oklch(85.5% .138 181.071)",
            "400": "oklch(77.7% .152 181.912)",
            "500": "oklch(70.4% .14 182.503)",
            "600": "oklch(60% .118 184.704)",
            "700": "oklch(51.1% .096 186.391)",
            "800": "oklch(43.7% .078 188.216)",
            "900": "oklch(38.6% .063 188.416)",
            "950": "oklch(27.7% .046 192.524)",
        },
    },
    "SIDEBAR": {"show_search": True, "show_all_applications": False, "navigation": "hunter_robot.console.sidebar"},
}

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
# The admin's CSS and JS are served by the app itself (WhiteNoise): straight from the apps until
# `collectstatic` has been run, so `make run` needs no extra step; production runs collectstatic.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
if WHITENOISE_USE_FINDERS:
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
# Uploaded CVs live outside any public URL; they are served only through a permission-checked view.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))

# --- API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["hunter_robot.api.envelope.EnvelopeRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "hunter_robot.api.parsers.AnyJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "hunter_robot.api.errors.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "hunter_robot.api.parsers.BotContentNegotiation",
    "DEFAULT_THROTTLE_CLASSES": [],
    # The OpenAPI operations are declared in hunter_robot/api/schema.py, not inferred from the views.
    "DEFAULT_SCHEMA_CLASS": "hunter_robot.api.schema.BotSchema",
}
# The published contract (OpenAPI 3.1) at /api/schema/, Swagger UI at /api/docs/, Redoc at /api/redoc/.
SPECTACULAR_SETTINGS = {
    "TITLE": "hunter_robot bot API",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["hunter_robot.api.schema.bot_endpoints"],
    "POSTPROCESSING_HOOKS": ["hunter_robot.api.schema.complete_schema"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge fetched from validator.swagger.io: the page loads nothing from outside.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True},
}
# Largest JSON body accepted (cards with long histories stay well below). Uploads have CV_MAX_BYTES.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=2 * 1024 * 1024)
CV_MAX_BYTES = env.int("CV_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Requests per API key (or per client address without one), e.g. "6000/min"; empty turns it off.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="6000/min")
# Rate-limit counters, shared by every web process through Redis: CACHE_URL, else the Redis of
# CELERY_BROKER_URL (keys under their own prefix); without Redis, per process (locmem).
_broker = env.str("CELERY_BROKER_URL", default="")
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}
elif _broker.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _broker}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"].setdefault("KEY_PREFIX", "hunter_robot")
    # A Redis outage or hang costs a request at most this long; the rate limit then lets it through.
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 0.5)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 0.5)
API_ANONYMOUS_NETWORKS = env.list("API_ANONYMOUS_NETWORKS", default=["127.0.0.0/8", "::1/128"])
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# /metrics answers loopback, or a scraper sending `Authorization: Bearer <METRICS_KEY>` (empty: loopback only).
METRICS_KEY = env.str("METRICS_KEY", default="")
OUTBOUND_ALLOWED_HOSTS = env.list("OUTBOUND_ALLOWED_HOSTS", default=[])
DEFAULT_TEAM_NAME = env.str("DEFAULT_TEAM_NAME", default="默认团队")

# --- Recruiting rules -----------------------------------------------------------------------------
DEFAULT_HELLO_SUM = env.int("DEFAULT_HELLO_SUM", default=50)
# "HH:MM=mount" pairs, the slots a newly linked job gets.
DEFAULT_TIME_MOUNT = env.list("DEFAULT_TIME_MOUNT", default=["09:00=25", "16:00=25"])
RESERVATION_TTL = env.int("RESERVATION_TTL", default=30 * 60)  # seconds
# Pacing ceiling (CONTRACT §9): greetings a recruiting account of a platform may be handed per day over
# all its jobs, e.g. PLATFORM_DAILY_CAP=Boss=150,maimai=100,Linkedin=80,liepin=100; a platform not named
# has no ceiling (recruit/quota.py ceiling_split; a typo is the system check recruit.E002).
PLATFORM_DAILY_CAP = env.dict("PLATFORM_DAILY_CAP", default={})
# Retention (CONTRACT §8): days each kind of candidate data is kept, by its name in
# recruit/personal_data.Kind; 0 or empty keeps it forever. RETENTION_DAYS=message=180,cv=90 overrides the
# kinds it names, the others keep these defaults. How each kind's age is counted, and what goes:
# recruit/services/retention.py. RAW_CARD_RETENTION_DAYS (the older setting) stays the raw cards' default.
RETENTION_DAYS = {
    "raw_card": env.int("RAW_CARD_RETENTION_DAYS", default=90),
    "message": 365,
    "contact": 365,
    "cv": 365,
    "decision": 180,
    "audit": 3 * 365,
    **env.dict("RETENTION_DAYS", default={}),
}
RETENTION_BATCH = env.int("RETENTION_BATCH", default=500)  # rows per short transaction of the retention task
CHAT_DEADLINE = env.float("CHAT_DEADLINE", default=20.0)  # seconds
# WeChat channel (CONTRACT §6): a claimed task's lease, tasks per taskToDo call, add-friend tasks handed
# out per WeChat account per day (pacing against bans; an account may override it), and how many times
# an accepted friend who went silent is nudged.
WECHAT_TASK_LEASE = env.int("WECHAT_TASK_LEASE", default=10 * 60)  # seconds
WECHAT_TASK_BATCH = env.int("WECHAT_TASK_BATCH", default=10)
WECHAT_DAILY_ADD_LIMIT = env.int("WECHAT_DAILY_ADD_LIMIT", default=20)
WECHAT_MAX_NUDGES = env.int("WECHAT_MAX_NUDGES", default=2)
# recallList: total seconds spent personalising nudges with the LLM in one call; the rest use the template.
RECALL_PERSONALISE_BUDGET = env.float("RECALL_PERSONALISE_BUDGET", default=8.0)
# candidate/filter, second-stage screening (CONTRACT §9): seconds the LLM may take to score a candidate
# against the job's rubric; past it the rule decision stands (`rubric: unavailable`). Well below the bots'
# timeout: the filter call waits for it.
RUBRIC_DEADLINE = env.float("RUBRIC_DEADLINE", default=4.0)
# Bots at a glance (recruit/activity.py): an account's last call is stamped at most once per
# BOT_SEEN_RESOLUTION seconds; the console shows it 静默 (silent) once older than BOT_SILENT_AFTER seconds.
# A time slot lasts until the task's next slot, at most BOT_SLOT_MINUTES; the silent-slot task alarms for
# slots that ended in the last BOT_SILENT_CHECK_MINUTES (runs every 5 minutes by default).
BOT_SEEN_RESOLUTION = env.int("BOT_SEEN_RESOLUTION", default=60)
BOT_SILENT_AFTER = env.int("BOT_SILENT_AFTER", default=30 * 60)
BOT_SLOT_MINUTES = env.int("BOT_SLOT_MINUTES", default=120)
BOT_SILENT_CHECK_MINUTES = env.int("BOT_SILENT_CHECK_MINUTES", default=30)

# --- Dialogue engines ------------------------------------------------------------------------------
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="https://api.openai.com/v1")
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="gpt-4o-mini")
LLM_TIMEOUT = env.float("LLM_TIMEOUT", default=15.0)
LLM_MAX_RETRIES = env.int("LLM_MAX_RETRIES", default=1)
ALGO_BASE_URL = env.str("ALGO_BASE_URL", default="")
# The web server's worker model (hunter_robot/serving.py; gunicorn.conf.py serves with it and tells its
# workers the numbers it really runs). Engine calls (LLM, external) in flight per web process: a chat over
# the bound answers at once with the rule engine's reply (algo_abnormal); by default every thread but 8,
# which a hung engine never pins, so the bot endpoints keep answering.
WEB_WORKERS = env.int("WEB_WORKERS", default=serving.WEB_WORKERS)
WEB_THREADS = env.int("WEB_THREADS", default=serving.WEB_THREADS)
ENGINE_MAX_IN_FLIGHT = env.int("ENGINE_MAX_IN_FLIGHT", default=serving.engine_max_in_flight(WEB_THREADS))

# --- Celery ---------------------------------------------------------------------------------------
# The embedded broker must be shared between processes, hence the filesystem transport under var/.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker" / "out"),
        "data_folder_out": str(VAR_DIR / "broker" / "out"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        # Broadcast (worker remote control) tables; kombu's default is "control" in the working directory.
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    # A stuck broker must not hang the request that queues a task (the outbox row is already safe).
    else {"socket_timeout": 2, "socket_connect_timeout": 2}
)
# Every broker key under this prefix (kombu's global_keyprefix), so several deployments, or parallel
# test runs, can share one Redis database without taking each other's tasks. Web and worker processes
# of one deployment must use the same value.
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) and env.str("CELERY_BROKER_KEY_PREFIX", default=""):
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env.str("CELERY_BROKER_KEY_PREFIX")
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = TIME_ZONE
# Schedules live in the database only (django-celery-beat rows, created once by a migration and edited in
# admin: hunter_robot/schedules.py). No CELERY_BEAT_SCHEDULE, and no result expiry (there is no result
# backend), so beat's start-up writes no schedule row over what someone edited.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_RESULT_EXPIRES = None

# --- Security -------------------------------------------------------------------------------------
# HTTPS is one switch, SECURE_TLS=true when TLS terminates in front of the app (bots often speak plain HTTP
# inside a private network, and `make run` serves plain http): it turns on the HTTPS redirect, HSTS, secure
# session and CSRF cookies, and believes the proxy's X-Forwarded-Proto. Each of those can also be set on
# its own through the environment variable of the same name; their defaults follow SECURE_TLS.
SECURE_TLS = env.bool("SECURE_TLS", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE_TLS)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=SECURE_TLS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SECURE_TLS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if SECURE_TLS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE_TLS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=SECURE_TLS)
# The header a proxy sets to "https" on requests that reached it over TLS (it must set or strip it on every
# request, or a client could claim HTTPS); empty: no proxy, the app server terminates TLS itself.
_TLS_HEADER = env.str("SECURE_PROXY_SSL_HEADER", default="X-Forwarded-Proto" if SECURE_TLS else "")
SECURE_PROXY_SSL_HEADER = ("HTTP_" + _TLS_HEADER.upper().replace("-", "_"), "https") if _TLS_HEADER else None
# Probes and scrapes come over plain HTTP from inside the network, also when TLS terminates in front.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# Without SECURE_TLS, Django's four HTTPS warnings give way to one (hunter_robot.W001, hunter_robot/checks.py).
SILENCED_SYSTEM_CHECKS = [] if SECURE_TLS else ["security.W004", "security.W008", "security.W012", "security.W016"]
# Headers on every response (SecurityMiddleware, XFrameOptionsMiddleware), and a Content-Security-Policy on
# the console's pages (hunter_robot/security.py). django-unfold's pages load only their own files and run
# no inline <script>, but its Alpine.js evaluates the x-data/x-init expressions written in its templates
# (so 'unsafe-eval'), and its pages and ours carry <style> blocks and style attributes (so inline styles).
# Empty turns the policy off; a CDN for static files would add its origin here.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONSOLE_CSP = env.str(
    "CONSOLE_CSP",
    default="default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)
# Failed console logins (django-axes): LOGIN_FAILURE_LIMIT failures of one username from one client address
# lock that pair out for LOGIN_LOCKOUT_MINUTES (each try while locked starts the wait again); a successful
# login clears the count. The address is the API's (hunter_robot.api.auth.client_address: TRUSTED_PROXIES).
# Attempts are rows in the database, so every web server sees them; `manage.py axes_reset_username NAME`
# lifts a lockout early. Failures and lockouts are logged (logger `axes`, username and address masked);
# successful logins are not kept in a table that would grow without a retention rule.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# django-unfold's login form posts no `next`: a login on /admin/login/ itself lands on the console.
LOGIN_REDIRECT_URL = "/admin/"
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "hunter_robot.security.login_client_address"
AXES_LOCKOUT_CALLABLE = "hunter_robot.security.lockout_response"
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False  # its pages are not on the console's skin; the lockout lifts itself
AXES_VERBOSE = False  # no banner on every start-up; logins, failures and lockouts are still logged

# No personal data in any log record (CONTRACT §8): hunter_robot/logfilter.py redacts every record as it
# is made (LOGGING_CONFIG wraps the record factory), on every handler, and the SQL debug log's statement
# and parameters, which Django attaches to its records afterwards.
LOGGING_CONFIG = "hunter_robot.logfilter.configure_logging"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "hunter_robot.logfilter.PersonalDataFilter"},
        "quiet_probes": {"()": "hunter_robot.health.QuietProbes"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["personal_data"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.db.backends": {"filters": ["personal_data"]},
        "django.db.backends.schema": {"filters": ["personal_data"]},
        # The development server's access log, without a line per health probe or metrics scrape.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False, "filters": ["quiet_probes"]},
    },
}
APPEND_SLASH = False  # bots POST; a redirect would drop the body
# Keys the hashes on the do-not-contact list. Keep it stable: changing it forgets who declined.
PII_HASH_KEY = env.str("PII_HASH_KEY", default=LAPTOP_PII_HASH_KEY)


def site_url(host: str, port: str | int) -> str:
    """The base URL of a server listening on host:port; a wildcard address is reached on loopback."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


# Base of admin links in notifications: by default where `make run` serves (it exports HOST and PORT).
SITE_URL = env.str("SITE_URL", default="") or site_url(
    env.str("HOST", default="") or "127.0.0.1", env.str("PORT", default="") or "8000"
)
