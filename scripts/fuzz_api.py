"""Runs schemathesis against a live `comptoir serve` with an owner's token and fails on any 5xx answer."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from comptoir.testing.processes import free_port

BIN = Path(sys.executable).parent
OWNER_KEY_SNIPPET = (
    "from comptoir.api.actions import do_create_api_token; from comptoir.workspaces.models import Membership; "
    "m = Membership.objects.get(user__email='demo@comptoir.local', workspace__slug='boulangerie-lemoine'); "
    "print(do_create_api_token(m, 'schemathesis', 'owner')[1])"
)


def main() -> int:
    data_dir = tempfile.mkdtemp(prefix="comptoir-fuzz-")
    env = {**os.environ, "COMPTOIR_DATA_DIR": data_dir}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    comptoir = str(BIN / "comptoir")
    subprocess.run([comptoir, "demo"], env=env, check=True, capture_output=True)
    token = (
        subprocess.run(
            [comptoir, "manage", "shell", "-c", OWNER_KEY_SNIPPET],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = free_port()
    server = subprocess.Popen([comptoir, "serve", "--no-worker", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/openapi.json", timeout=2)  # noqa: S310 - loopback only
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        run = subprocess.run(
            [
                str(BIN / "schemathesis"),
                "run",
                f"{base}/api/openapi.json",
                "--url",
                base,
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                os.environ.get("FUZZ_EXAMPLES", "60"),
                "--seed",
                "2026",
            ],
            env={**env, "SCHEMATHESIS_HOOKS": ""},
        )
        return run.returncode
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
