"""Real-server pytest fixture for matrix: Synapse from PyPI in its own venv on 127.0.0.1, fresh per session."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from comptoir.channels.actions import do_connect_channel
from comptoir.channels.models import Channel
from comptoir.providers.matrix import MatrixProvider
from comptoir.testing.processes import free_port, log_tail, peers_dir, stop_process_group
from comptoir.workspaces.models import Membership

SYNAPSE_VERSION = "1.163.2"
SHARED_SECRET = "comptoir-peers-shared-secret"

# Run by the venv's own PyYAML: loopback only, no federation, no key servers, rate limits out of the way.
_PATCH_CONFIG = """
import json, sys, yaml
path, port, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = yaml.safe_load(open(path))
c["listeners"] = [{"bind_addresses": ["127.0.0.1"], "port": port, "type": "http", "tls": False,
                   "x_forwarded": False, "resources": [{"names": ["client"], "compress": False}]}]
c["registration_shared_secret"] = secret
c["trusted_key_servers"] = []
c["suppress_key_server_warning"] = True
c["enable_registration"] = False
c["url_preview_enabled"] = False
c["federation_domain_whitelist"] = []
c["report_stats"] = False
c["bcrypt_rounds"] = 4  # every test logs in several users; the default 12 rounds cost seconds
big = {"per_second": 1000, "burst_count": 1000}
c.update(rc_message=big, rc_registration=big, rc_3pid_validation=big, rc_admin_redaction=big,
         rc_joins={"local": big, "remote": big},
         rc_invites={"per_room": big, "per_user": big, "per_issuer": big},
         rc_login={"address": big, "account": big, "failed_attempts": big})
yaml.safe_dump(c, open(path, "w"), sort_keys=False)
"""


def install_synapse() -> Path:
    """Install Synapse into `<peers>/synapse/venv` once; a lock keeps parallel pytest runs from racing."""
    home = peers_dir() / "synapse"
    home.mkdir(parents=True, exist_ok=True)
    venv = home / "venv"
    marker = home / f"installed-{SYNAPSE_VERSION}"
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "-q", f"matrix-synapse=={SYNAPSE_VERSION}"],
                check=True,
            )
            marker.touch()
    return venv


@dataclass(frozen=True)
class MatrixUser:
    user_id: str
    localpart: str
    password: str


@dataclass(frozen=True)
class SynapsePeer:
    homeserver: str
    server_name: str
    log_path: Path

    def register_user(self, prefix: str = "user", *, admin: bool = False) -> MatrixUser:
        """Create a user through the shared-secret admin API (the same HMAC as register_new_matrix_user)."""
        localpart = f"{prefix}{secrets.token_hex(3)}"
        password = secrets.token_urlsafe(12)
        url = f"{self.homeserver}/_synapse/admin/v1/register"
        with urllib.request.urlopen(url, timeout=10) as response:
            nonce = json.load(response)["nonce"]
        mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
        mac.update(
            b"\x00".join(
                [nonce.encode(), localpart.encode(), password.encode(), b"admin" if admin else b"notadmin"]
            )
        )
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            user_id = json.load(response)["user_id"]
        return MatrixUser(user_id=user_id, localpart=localpart, password=password)


def connect_room_channel(
    membership: Membership, synapse: SynapsePeer, user: MatrixUser, room_id: str
) -> Channel:
    """The workspace's Matrix channel for `room_id`, connected as `user` the way the connect form does it."""
    connection = MatrixProvider.connect(
        {
            "homeserver": synapse.homeserver,
            "user_id": user.user_id,
            "password": user.password,
            "room": room_id,
            "allow_private_network": "1",
        }
    )
    return do_connect_channel(membership.workspace, membership.user, "matrix", connection)


def _wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Synapse exited with {process.returncode}:\n{log_tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"Synapse not ready after {deadline_s:.0f} s:\n{log_tail(log_path)}")


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapsePeer]:
    started = time.monotonic()
    python = str(install_synapse() / "bin" / "python")
    installed = time.monotonic()
    data = tmp_path_factory.mktemp("synapse")
    config = data / "homeserver.yaml"
    port = free_port()
    subprocess.run(
        [
            python,
            "-m",
            "synapse.app.homeserver",
            "--server-name",
            "localhost",
            "--config-path",
            str(config),
            "--generate-config",
            "--report-stats=no",
            "--data-directory",
            str(data / "data"),
        ],
        check=True,
        capture_output=True,
        cwd=data,
    )
    subprocess.run([python, "-c", _PATCH_CONFIG, str(config), str(port), SHARED_SECRET], check=True)
    log_config = data / "localhost.log.config"
    log_config.write_text(log_config.read_text().replace("level: INFO", "level: WARNING"))
    log_path = data / "stdout.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [python, "-m", "synapse.app.homeserver", "-c", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=data,
            start_new_session=True,
        )
    homeserver = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(f"{homeserver}/health", process, log_path, deadline_s=90)
        ready = time.monotonic()
        print(f"\nsynapse: install/check {installed - started:.1f} s, start {ready - installed:.1f} s")
        yield SynapsePeer(homeserver=homeserver, server_name="localhost", log_path=log_path)
    finally:
        stop_process_group(process)
