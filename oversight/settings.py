"""One settings module, driven by environment variables.

Every deploy-time knob is an environment variable with a safe development default.
With DEBUG off, unsafe values (the development secret key, no ALLOWED_HOSTS) stop the
process at start-up with a message that says what to set.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


TRUE_VALUES = {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in TRUE_VALUES


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def check_production_settings(*, debug: bool, secret_key: str, allowed_hosts: list[str]) -> None:
    """Refuse to run in production with values that are only safe on a laptop."""
    if debug:
        return
    if secret_key == DEVELOPMENT_SECRET_KEY or len(secret_key) < 50 or len(set(secret_key)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY is unsafe for production: set the SECRET_KEY environment variable to a "
            "random string of at least 50 characters (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`)."
        )
    if not allowed_hosts:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is empty: set the ALLOWED_HOSTS environment variable to the "
            "comma-separated host names the site is served on (e.g. oversight.example.gov.uk)."
        )


check_production_settings(debug=DEBUG, secret_key=SECRET_KEY, allowed_hosts=ALLOWED_HOSTS)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "simple_history",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "oversight",
    "oversight.accounts",
    "recommendations",
    "reviews",
    "letters",
    "reminders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The page's language: the address's (/cy/public/), else the account's, else the
    # cookie the switch set, else English.
    "oversight.shared.language.LanguageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A part of a page fetched by htmx once the session has ended sends the browser to
    # sign in (and back), rather than showing the sign-in page inside the part.
    "oversight.accounts.middleware.SignInAgainFromHtmx",
    # An office that requires two-factor sign-in sends its people to enrol first.
    "oversight.accounts.middleware.TwoFactorRequired",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Whoever makes a change is shown it on their next page, never a cached body from
    # before it (oversight/shared/pagecache.py).
    "oversight.shared.pagecache.WriterMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so the page it makes of an empty 405 passes through the middleware above
    # (the Content-Security-Policy, X-Frame-Options) on its way out.
    "oversight.shared.error_pages.MethodNotAllowedPage",
]

ROOT_URLCONF = "oversight.urls"
WSGI_APPLICATION = "oversight.wsgi.application"
ASGI_APPLICATION = "oversight.asgi.application"

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
                "django.template.context_processors.csp",
                "reminders.context_processors.navigation",
                "oversight.context_processors.background_state",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# Default: an SQLite file, so `make run` needs nothing installed. Tests and production
# set DATABASE_URL to PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'oversight.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT spends far longer compiling the dashboard's counts than running them.
    # A random read is costed as what it is for a database held in memory (a few hundred MB
    # at national size, in shared buffers and the OS cache), not as a disk seek four times
    # a sequential read's: the planner then reads a page's few rows by their indexes rather
    # than scanning or hashing a whole table (the filtered register's delivery leads, the
    # dashboard's quarters and priority areas). DATABASE_RANDOM_PAGE_COST sets it.
    random_page_cost = float(os.environ.get("DATABASE_RANDOM_PAGE_COST") or 1.1)
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c jit=off -c random_page_cost={random_page_cost}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users and sign-in ----------------------------------------------------------------
# django-allauth runs sign-in, sign-out, password change and reset, two-factor sign-in and
# single sign-on; oversight/accounts/ holds invitations, office administration and the
# account audit log. Nobody signs themselves up: an office administrator invites people.
AUTH_USER_MODEL = "oversight.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "oversight.auth.OversightBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)  # one working day
# The database's sessions, read by one query written in SQL (oversight/shared/sessions.py).
SESSION_ENGINE = "oversight.shared.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Password-reset and invitation links work once and for this long.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 60) * 60
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)

ACCOUNT_ADAPTER = "oversight.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# A reset asked for an unknown address sends nothing and looks the same as one that did.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[OPCC oversight] "
ACCOUNT_FORMS = {
    "login": "oversight.accounts.forms.SignInForm",
    "change_password": "oversight.accounts.forms.PasswordChangeForm",
    "set_password": "oversight.accounts.forms.PasswordSetForm",
    "reset_password": "oversight.accounts.forms.PasswordResetRequestForm",
    "reset_password_from_key": "oversight.accounts.forms.PasswordResetForm",
}
ACCOUNT_RATE_LIMITS = {
    # django-axes owns the lock-out after failed sign-ins (AXES_* below).
    "login_failed": None,
    "reset_password": "20/m/ip,3/15m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}

MFA_ADAPTER = "oversight.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "OPCC oversight")
MFA_RECOVERY_CODE_COUNT = 10
# A code typed in the last seconds of its 30 and sent just after the app moves on, or from
# a phone whose clock is a little out, still works: the one before and the one after the
# current code are accepted too (each code still works only once).
MFA_TOTP_TOLERANCE = 1
# The set-up and sign-in code forms in the site's words; the sign-in one also counts wrong
# codes towards django-axes's lock-out (oversight/accounts/two_factor.py).
MFA_FORMS = {
    "activate_totp": "oversight.accounts.two_factor.SetUpForm",
    "authenticate": "oversight.accounts.two_factor.SignInCodeForm",
    "reauthenticate": "oversight.accounts.two_factor.ConfirmCodeForm",
}

# Single sign-on with OpenID Connect (e.g. Microsoft Entra ID), off unless OIDC_CLIENT_ID is
# set. A person signs in only to an account an administrator created or invited, matched by
# verified e-mail address; nothing about their role comes from the identity provider.
SOCIALACCOUNT_ADAPTER = "oversight.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = True
# The adapter matches a verified address to an account itself (case-insensitively, refusing
# a deactivated or locked-out person before anything is linked). allauth's own matching
# would also wipe the password of an account whose address it has no verified record of,
# and here every address was set by an administrator or proven by an invitation link.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False


def single_sign_on_apps(environ, *, debug: bool) -> list[dict]:
    """The OpenID Connect app allauth reads from SOCIALACCOUNT_PROVIDERS, built from OIDC_*
    variables; none (single sign-on off) while OIDC_CLIENT_ID is empty."""
    client_id = environ.get("OIDC_CLIENT_ID", "")
    if not client_id:
        return []
    server_url = environ.get("OIDC_SERVER_URL", "").rstrip("/")
    secret = environ.get("OIDC_CLIENT_SECRET", "")
    if not server_url or not secret:
        raise ImproperlyConfigured(
            "Single sign-on is half set up: with OIDC_CLIENT_ID set, also set OIDC_SERVER_URL "
            "(the issuer, e.g. https://login.microsoftonline.com/<tenant id>/v2.0) and "
            "OIDC_CLIENT_SECRET (the app registration's client secret)."
        )
    if not debug and not server_url.startswith("https://"):
        raise ImproperlyConfigured(
            "OIDC_SERVER_URL must start with https:// in production: sign-in tokens travel over it."
        )
    trust_email = environ.get("OIDC_TRUST_EMAIL", "").strip().lower() in TRUE_VALUES
    return [
        {
            "provider_id": "sso",
            "name": environ.get("OIDC_PROVIDER_NAME") or "your organisation's account",
            "client_id": client_id,
            "secret": secret,
            "settings": {
                "server_url": server_url,
                # Entra ID sends no email_verified claim; set OIDC_TRUST_EMAIL when the
                # tenant only issues addresses on domains it has verified.
                "verified_email": trust_email,
                "scope": ["openid", "profile", "email"],
            },
        }
    ]


def single_sign_on_form_action(apps: list[dict]) -> list[str]:
    """The identity provider's origin, for the CSP form-action directive: browsers apply it
    to where the "Sign in with ..." form's POST redirects, not only to the form's action."""
    origins = (urlsplit(app["settings"]["server_url"]) for app in apps)
    return [f"{origin.scheme}://{origin.netloc}" for origin in origins]


SINGLE_SIGN_ON_APPS = single_sign_on_apps(os.environ, debug=DEBUG)
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": SINGLE_SIGN_ON_APPS}
}

# Failed sign-ins: lock the username + address pair out after AXES_FAILURE_LIMIT tries.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# allauth signs in by username or e-mail address; either is the name axes counts against.
AXES_USERNAME_CALLABLE = "oversight.accounts.adapters.axes_username"

# --- Internationalisation -------------------------------------------------------------
# English and Welsh (Cymraeg): a person's choice is kept on their account
# (oversight.shared.language); the public pages carry the language in their address
# (/cy/public/...). Our catalogue: locale/cy/LC_MESSAGES/django.po, compiled to .mo.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
NODE_MODULES = BASE_DIR / "node_modules"
# Third-party assets come from the npm registry at install time (package.json) and are
# served from node_modules under a vendor/ prefix; nothing is copied into the repository.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    # Letter fonts, embedded in the PDFs (static/css/letter.css).
    ("vendor/fonts/source-serif-4", NODE_MODULES / "@fontsource" / "source-serif-4" / "files"),
    ("vendor/fonts/source-sans-3", NODE_MODULES / "@fontsource" / "source-sans-3" / "files"),
    # Their fallbacks, for the scripts and the emoji the letter fonts lack.
    ("vendor/fonts/noto-sans", NODE_MODULES / "@fontsource" / "noto-sans" / "files"),
    ("vendor/fonts/noto-emoji", NODE_MODULES / "@fontsource" / "noto-emoji" / "files"),
]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Uploaded evidence and rendered letters live outside the web root; they are only
        # ever served through views that check permission. MEDIA_URL is deliberately unset.
        "OPTIONS": {"location": Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
PRIVATE_MEDIA_ROOT = STORAGES["default"]["OPTIONS"]["location"]
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
# An inspection report's own PDF is often larger than a piece of evidence.
REPORT_FILE_MAX_BYTES = env_int("REPORT_FILE_MAX_BYTES", 30 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security -------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF, *single_sign_on_form_action(SINGLE_SIGN_ON_APPS)],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- E-mail ---------------------------------------------------------------------------
# Development default: each mail is written as a file under var/mail, readable by a person.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "oversight@opcc.localhost")

# --- Cache ----------------------------------------------------------------------------
# CACHE_URL (Redis) is the cache every web process shares; the page cache
# (oversight/shared/pagecache.py) caches the busiest pages' bodies per user there, dropped on a
# change to data the user can see. Without CACHE_URL each process has its own memory cache
# and the page cache is off, since one process could not drop another's pages.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "oversight",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300 if CACHE_URL else 0)
# After a change in what they see (not a global one, not one naming them), a reader is
# shown the body from before it until this many times the body's render time has passed
# since that render began: a page that takes 0.4 s is rendered again at most every 1.6 s
# however often its data changes (a reader of every force, with updates every second).
# Whoever made the change sees it at once. 0: every change is shown at once.
PAGE_CACHE_RERENDER_FACTOR = env_int("PAGE_CACHE_RERENDER_FACTOR", 4)
# ...and at least this many seconds, so a page that renders in 20 ms is rendered again at
# most once a second (not fifty times), whatever the changes' pace. 0: no floor.
PAGE_CACHE_RERENDER_SECONDS = env_int("PAGE_CACHE_RERENDER_SECONDS", 1)
# How long browsers and shared caches may keep a page of the public site (/public/): a
# publication or withdrawal shows everywhere within this many seconds.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 300)

# --- Background work ------------------------------------------------------------------
# With no broker configured, tasks run in the web process as soon as the transaction
# commits (eager), so `make run` needs no Redis. Production sets CELERY_BROKER_URL.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# A worker process is replaced once it holds this much (KiB) after a task: rendering PDFs
# leaves ~1.3 MiB a letter in the native libraries (Pango) that Python cannot give back.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 250_000)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    # Fail fast when Redis is down: the page carries on and the work is caught up later.
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# Beat reads its schedule from the database (admin: Periodic tasks). The schedule is
# defined once, in BEAT_SCHEDULE in oversight/celery.py; `migrate` creates its rows.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- Reminders ------------------------------------------------------------------------
# A reminder goes REMINDER_DAYS_BEFORE days before a date, on the day and once it is
# overdue; overdue by more than REMINDER_ESCALATE_AFTER_DAYS it escalates to the owner's
# manager and the OPCC lead (reminders/ledger.py). Digest links use SITE_URL.
REMINDER_DAYS_BEFORE = env_int("REMINDER_DAYS_BEFORE", 7)
REMINDER_ESCALATE_AFTER_DAYS = env_int("REMINDER_ESCALATE_AFTER_DAYS", 14)

# --- Forms and history ----------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False
# History rows older than this many days are removed by django-simple-history's
# `manage.py clean_old_history --auto --days $HISTORY_RETENTION_DAYS` (README, Production).
HISTORY_RETENTION_DAYS = env_int("HISTORY_RETENTION_DAYS", 7 * 365)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint and fontTools log every layout step at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}


# --- The API ----------------------------------------------------------------------------
# Personal access tokens only (oversight/accounts/api_tokens.py): no cookies, so no CSRF.
API_RATE_PER_MINUTE = env_int("API_RATE_PER_MINUTE", 120)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["oversight.accounts.api_tokens.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "oversight.accounts.api_tokens.TokenScope",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "oversight.shared.api.Pagination",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": f"{API_RATE_PER_MINUTE}/min"},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "oversight.shared.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OPCC oversight API",
    "DESCRIPTION": "Reports, recommendations, actions, progress updates and deep-dive reviews "
    "the token's owner may read; posting a progress update with evidence. Send a personal "
    "access token (made on the site, under your name → API tokens) as "
    "`Authorization: Bearer <token>`. Errors are JSON: `error` says what to fix, `fields` "
    "which input.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "SECURITY": [{"bearer": []}],
}
