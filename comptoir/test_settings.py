"""Settings for the test suite: a throwaway data dir, jobs run inline, PostgreSQL when asked for."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("COMPTOIR_DATA_DIR", tempfile.mkdtemp(prefix="comptoir-test-"))
if os.environ.get("COMPTOIR_TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["COMPTOIR_TEST_DATABASE_URL"]

from comptoir.settings import *  # noqa: F403
from comptoir.settings import HUEY

HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_AUTOREFRESH = True
# Tests run on an in-memory SQLite database, as Django does for its own backend; pytest-django only knows that
# backend by name, and would give each xdist worker a file named after the data dir otherwise.
if DATABASES["default"]["ENGINE"] == "comptoir.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405
