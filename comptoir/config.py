"""Reads Comptoir's configuration from the environment once, and says in one sentence what is wrong with it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from cryptography.fernet import Fernet


class ConfigError(Exception):
    """A setting is missing or malformed; the message is the one sentence shown to the operator."""


@dataclass(frozen=True)
class EmailConfig:
    host: str
    port: int
    user: str
    password: str
    use_tls: bool
    use_ssl: bool
    from_address: str


@dataclass(frozen=True)
class Config:
    data_dir: Path
    secret_key: str
    database: dict[str, object]
    redis_url: str
    debug: bool
    allowed_hosts: list[str]
    base_url: str
    email: EmailConfig | None
    default_from_email: str
    encryption_keys: list[str]
    oauth_apps: dict[str, tuple[str, str]]
    allow_private_networks: bool


def _flag(environ: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}.")


def _port(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name} must be a port number between 1 and 65535, not {raw!r}.")
    return int(raw)


def _data_dir(environ: Mapping[str, str]) -> Path:
    path = Path(
        environ.get("COMPTOIR_DATA_DIR") or Path.home() / ".local" / "share" / "comptoir"
    ).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"COMPTOIR_DATA_DIR {str(path)!r} cannot be created: {error.strerror}.") from None
    if not os.access(path, os.W_OK):
        raise ConfigError(f"COMPTOIR_DATA_DIR {str(path)!r} is not writable by this user.")
    for child in ("static", "media"):
        (path / child).mkdir(exist_ok=True)
    return path


def _secret_key(environ: Mapping[str, str], data_dir: Path) -> str:
    """Production passes SECRET_KEY; the embedded default keeps a generated one beside its database."""
    key = environ.get("SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters long.")
        return key
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database(environ: Mapping[str, str], data_dir: Path) -> dict[str, object]:
    url = environ.get("DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{data_dir / 'comptoir.sqlite3'}"
    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ConfigError(f"DATABASE_URL must start with postgresql:// or sqlite://, not {scheme or url!r}.")
    try:
        database: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as error:
        raise ConfigError(f"DATABASE_URL cannot be read: {error}.") from None
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["ENGINE"] = "comptoir.backends.sqlite3"  # Django's, waiting for the write lock more closely
        database["CONN_MAX_AGE"] = 0
        # WAL lets the web server read while the worker writes; IMMEDIATE avoids lock upgrades that fail under load.
        # A 64 MB page cache (SQLite's default is 2 MB) keeps the inbox's index pages that a sync writes into in
        # memory: ~5 % more messages per second in bench/ingest.py once the database outgrows 2 MB of them.
        # Reads through a memory map (up to 1 GB of address space, pages shared with the OS cache, not copied
        # into each connection) gave 3 to 6 % more again at 100,000 messages. Checkpoints every 4,000 pages of
        # WAL (16 MB) rather than 1,000: an index page that several commits rewrite is copied to the database
        # once, and a worker's commits took a third less time (5.9 s → 3.9 s for 100,000 messages).
        database["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824; PRAGMA wal_autocheckpoint=4000;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    else:
        database["CONN_HEALTH_CHECKS"] = True
    return database


def _redis_url(environ: Mapping[str, str]) -> str:
    url = environ.get("REDIS_URL", "").strip()
    if url and urlparse(url).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(f"REDIS_URL must start with redis://, rediss:// or unix://, not {url!r}.")
    return url


def _email(environ: Mapping[str, str]) -> EmailConfig | None:
    host = environ.get("EMAIL_HOST", "").strip()
    if not host:
        return None
    use_tls = _flag(environ, "EMAIL_USE_TLS")
    use_ssl = _flag(environ, "EMAIL_USE_SSL")
    if use_tls and use_ssl:
        raise ConfigError("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true.")
    return EmailConfig(
        host=host,
        port=_port(environ, "EMAIL_PORT", 465 if use_ssl else 587 if use_tls else 25),
        user=environ.get("EMAIL_HOST_USER", ""),
        password=environ.get("EMAIL_HOST_PASSWORD", ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
        from_address=environ.get("DEFAULT_FROM_EMAIL", ""),
    )


def _base_url(environ: Mapping[str, str]) -> str:
    url = environ.get("COMPTOIR_BASE_URL", "http://127.0.0.1:8000").strip().rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ConfigError(
            f"COMPTOIR_BASE_URL must be an http(s) address such as https://comptoir.example.org, not {url!r}."
        )
    return url


def _encryption_keys(environ: Mapping[str, str]) -> list[str]:
    """Fernet keys, newest first; older ones stay readable until `rotate_channel_keys` re-encrypts with the first."""
    raw = environ.get("COMPTOIR_ENCRYPTION_KEYS", "").strip()
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ConfigError(
                "COMPTOIR_ENCRYPTION_KEYS must be comma-separated Fernet keys (32 url-safe base64-encoded bytes); "
                "make one with `comptoir manage generate_encryption_key`."
            ) from None
    return keys


OAUTH_NETWORKS = ("x", "facebook", "instagram", "linkedin")


def _oauth_apps(environ: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """The operator's app registered with each OAuth network, e.g. COMPTOIR_X_CLIENT_ID and COMPTOIR_X_CLIENT_SECRET."""
    apps = {}
    for network in OAUTH_NETWORKS:
        client_id = environ.get(f"COMPTOIR_{network.upper()}_CLIENT_ID", "").strip()
        secret = environ.get(f"COMPTOIR_{network.upper()}_CLIENT_SECRET", "").strip()
        if bool(client_id) != bool(secret):
            raise ConfigError(
                f"COMPTOIR_{network.upper()}_CLIENT_ID and COMPTOIR_{network.upper()}_CLIENT_SECRET go together: set both or neither."
            )
        if client_id:
            apps[network] = (client_id, secret)
    return apps


def load_config(environ: Mapping[str, str] = os.environ) -> Config:
    data_dir = _data_dir(environ)
    base_url = _base_url(environ)
    hosts = environ.get("COMPTOIR_ALLOWED_HOSTS", "").strip()
    allowed_hosts = [h.strip() for h in hosts.split(",") if h.strip()] or [
        "127.0.0.1",
        "localhost",
        urlparse(base_url).hostname or "127.0.0.1",
    ]
    email = _email(environ)
    return Config(
        data_dir=data_dir,
        secret_key=_secret_key(environ, data_dir),
        database=_database(environ, data_dir),
        redis_url=_redis_url(environ),
        debug=_flag(environ, "COMPTOIR_DEBUG"),
        allowed_hosts=allowed_hosts,
        base_url=base_url,
        email=email,
        default_from_email=(email.from_address if email and email.from_address else "comptoir@localhost"),
        encryption_keys=_encryption_keys(environ),
        oauth_apps=_oauth_apps(environ),
        allow_private_networks=_flag(environ, "COMPTOIR_ALLOW_PRIVATE_NETWORKS"),
    )
