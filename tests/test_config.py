"""A missing or malformed setting stops Comptoir with one clear sentence, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from comptoir.config import ConfigError, load_config


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must start with postgresql:// or sqlite://"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL must start with redis://"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 32 characters"),
        ({"EMAIL_HOST": "smtp.example.test", "EMAIL_PORT": "smtp"}, "EMAIL_PORT must be a port number"),
        ({"COMPTOIR_DEBUG": "maybe"}, "COMPTOIR_DEBUG must be true or false"),
        ({"COMPTOIR_BASE_URL": "comptoir.example"}, "COMPTOIR_BASE_URL must be an http(s) address"),
    ],
)
def test_bad_setting_is_named(tmp_path: Path, environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config({"COMPTOIR_DATA_DIR": str(tmp_path), **environ})


def test_unwritable_data_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match="cannot be created"):
        load_config({"COMPTOIR_DATA_DIR": str(blocker / "sub")})


def test_embedded_default_keeps_its_generated_secret(tmp_path: Path) -> None:
    first = load_config({"COMPTOIR_DATA_DIR": str(tmp_path)})
    second = load_config({"COMPTOIR_DATA_DIR": str(tmp_path)})
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 50
    assert first.database["ENGINE"] == "comptoir.backends.sqlite3"
    assert "journal_mode=WAL" in str(first.database["OPTIONS"])


def test_postgres_url(tmp_path: Path) -> None:
    config = load_config(
        {"COMPTOIR_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@127.0.0.1:5432/c"}
    )
    assert config.database["ENGINE"] == "django.db.backends.postgresql"


def test_cli_prints_one_sentence(tmp_path: Path) -> None:
    env = {**os.environ, "COMPTOIR_DATA_DIR": str(tmp_path), "DATABASE_URL": "oracle://db"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "comptoir.cli", "demo"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "comptoir: DATABASE_URL must start with postgresql:// or sqlite://, not 'oracle'."
    ]
