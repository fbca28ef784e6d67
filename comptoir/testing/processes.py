"""Helpers for tests and tools that start servers of their own: ports, the peers cache, logs, clean stops."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path


def peers_dir() -> Path:
    """Where real-server peers (Synapse, the Bluesky network...) are installed once and reused."""
    return Path(os.environ.get("COMPTOIR_PEERS_DIR", Path.home() / ".cache" / "comptoir-peers"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def log_tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def stop_process_group(process: subprocess.Popen[bytes], grace: float = 15) -> None:
    """SIGTERM to the whole group (servers fork workers), SIGKILL if it outlives `grace` seconds."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
