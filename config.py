"""Settings, read from the environment and an optional .env file beside this one."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

load_dotenv(BASE_DIR / ".env")


class ConfigError(RuntimeError):
    """The settings cannot run the application safely."""


def database_url(url: str | None) -> str | None:
    """Point PostgreSQL URLs at the psycopg 3 driver, the one the project installs."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL")) or (
        f"sqlite:///{INSTANCE_DIR / 'tracker.db'}"
    )
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 10_000)

    CLINIC_NAME = os.environ.get("CLINIC_NAME", "Clinic tracker")  # until an administrator sets one
    CLINIC_NAME_REFRESH_SECONDS = _env_int("CLINIC_NAME_REFRESH_SECONDS", 60)
    CLINIC_TIMEZONE = os.environ.get("CLINIC_TIMEZONE", "Europe/London")
    DEFAULT_PHONE_REGION = os.environ.get("DEFAULT_PHONE_REGION", "GB")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "tracker")
    # Any 15 minutes, not 15-minute slots: a fixed window lets failures straddle its edge.
    RATELIMIT_STRATEGY = "moving-window"
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    LOGIN_LOCKOUT_MINUTES = 15
    # Calendar programs poll a feed every few minutes; this stops a leaked address being hammered.
    CALENDAR_FEED_RATE_LIMIT = os.environ.get("CALENDAR_FEED_RATE_LIMIT", "30 per minute; 300 per hour")
    # Fetches of unknown feed addresses allowed per client address (guessing tokens gets 429; real feeds don't count).
    CALENDAR_FEED_ADDRESS_LIMIT = os.environ.get("CALENDAR_FEED_ADDRESS_LIMIT", "120 per minute")

    # The public enquiry form: submissions per client address, the least time a person takes to fill it
    # (robots are quicker), and the largest request it reads (its fields' caps add up to well under this).
    PUBLIC_FORM_RATE_LIMIT = os.environ.get("PUBLIC_FORM_RATE_LIMIT", "5 per minute; 20 per hour")
    PUBLIC_FORM_MIN_SECONDS = _env_int("PUBLIC_FORM_MIN_SECONDS", 3)
    PUBLIC_FORM_MAX_BYTES = 64 * 1024

    # Idle and absolute session limits; "remember me" keeps the cookie across browser
    # restarts but never beyond these.
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)
    SESSION_MAX_HOURS = _env_int("SESSION_MAX_HOURS", 12)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    # A form left open all day must still submit; the session limits bound its life.
    WTF_CSRF_TIME_LIMIT = None

    # Number of trusted proxies in front of the app (0: none); limits then see the client address.
    PROXY_FIX_HOPS = _env_int("PROXY_FIX_HOPS", 0)
    HSTS = False
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    # The intake API: enquiries per key (API_RATE_LIMIT; the benchmark raises it), requests with an unknown key per
    # client address (guessing keys gets 429; real keys don't count), the largest body read, and how long an exact
    # repeat of a payload by the same key (sent without an Idempotency-Key) is refused as a double submission.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "60 per minute; 1000 per hour")
    API_ADDRESS_LIMIT = os.environ.get("API_ADDRESS_LIMIT", "30 per minute")
    API_MAX_BODY_BYTES = 64 * 1024
    API_REPEAT_MINUTES = _env_int("API_REPEAT_MINUTES", 10)

    PASSWORD_MIN_LENGTH = 12
    # argon2id cost: the library's defaults (RFC 9106 low-memory profile).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 65_536

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "tracker@localhost")
    MAIL_FROM = os.environ.get("MAIL_FROM")  # the reminder e-mails' sender; MAIL_DEFAULT_SENDER when unset
    # Where staff reach the tracker: e-mailed links are absolute (there is no request to take the host from).
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # No request body larger than the import's 50 MB file and its envelope; the public form and the API set
    # their own, smaller caps per request.
    # The task queue (docs/operations.md): where waiting work is kept. Unset: a SQLite file beside the database
    # (instance/queue.db when the database is not a file); redis://host:6379/1 for workers on several hosts;
    # memory:// runs each task in the process that hands it over, once its transaction commits (tests only).
    TASK_QUEUE_URL = os.environ.get("TASK_QUEUE_URL")
    TASK_QUEUE_NAME = os.environ.get("TASK_QUEUE_NAME", "tracker")  # keeps installations sharing one Redis apart
    TASK_WORKERS = _env_int("TASK_WORKERS", 2)  # threads per worker process
    # Files made by background work (large exports), kept this many hours for the person who asked. With web
    # servers on several hosts this directory must be shared by them and the workers.
    JOB_FILES_DIR = os.environ.get("JOB_FILES_DIR") or str(INSTANCE_DIR / "job-files")
    JOB_FILES_HOURS = _env_int("JOB_FILES_HOURS", 24)
    # Exports of more rows than this are made by a worker, behind a progress page; smaller ones stream at once.
    EXPORT_BACKGROUND_ROWS = _env_int("EXPORT_BACKGROUND_ROWS", 5_000)
    # The morning digest: clinic time, and the days it goes (ISO weekdays, 1 = Monday).
    DIGEST_TIME = os.environ.get("DIGEST_TIME", "07:00")
    DIGEST_DAYS = os.environ.get("DIGEST_DAYS", "1-6")

    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    BOOTSTRAP_SERVE_LOCAL = True
    # hide_parameters: a database error's message (logged, or shown on the scheduled jobs page) never carries the
    # values of the rows it was reading or writing.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}

    @classmethod
    def init_app(cls, app) -> None:
        """Complete the settings once the app has loaded them (overrides included)."""
        # "Remember me" keeps the cookie no longer than a session may last.
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_MAX_HOURS"])


class DevelopmentConfig(Config):
    """Local development: SQLite under instance/, a secret kept beside it."""

    @classmethod
    def init_app(cls, app) -> None:
        """Create instance/ and a persistent development secret when none is set."""
        super().init_app(app)
        INSTANCE_DIR.mkdir(exist_ok=True)
        if not app.config.get("SECRET_KEY"):
            key_file = INSTANCE_DIR / "secret_key"
            if not key_file.exists():
                key_file.write_text(secrets.token_hex(32))
                key_file.chmod(0o600)
            app.config["SECRET_KEY"] = key_file.read_text().strip()


class TestingConfig(Config):
    """The test suite: the database URL comes from the fixtures."""

    TESTING = True
    SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"  # noqa: S105 (tests only)
    RATELIMIT_STORAGE_URI = "memory://"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 8_192
    CLINIC_NAME_REFRESH_SECONDS = 3600  # statement counts must not depend on when a test runs
    TASK_QUEUE_URL = "memory://"  # tasks run as their transaction commits; the queue's own tests use real storage


class ProductionConfig(Config):
    """Production: refuses to start without the settings that keep data safe."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = True

    @classmethod
    def init_app(cls, app) -> None:
        """Refuse to start with a missing or weak secret, no database, or debug on."""
        super().init_app(app)
        problems = []
        if len(app.config.get("SECRET_KEY") or "") < 32:
            problems.append("SECRET_KEY must be set to at least 32 random characters")
        if not os.environ.get("DATABASE_URL"):
            problems.append("DATABASE_URL must be set (for example postgresql://user@host/db)")
        if app.debug:
            problems.append("debug must be off in production (unset FLASK_DEBUG)")
        if problems:
            raise ConfigError("Refusing to start in production: " + "; ".join(problems) + ".")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
