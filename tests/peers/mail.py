"""Real-server pytest fixture for mail: Dovecot (IMAP + LMTP) and Postfix (SMTP) from Debian, on 127.0.0.1."""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from comptoir.testing.processes import free_port, log_tail, peers_dir, stop_process_group

DOMAIN = "example.test"
PACKAGES = ["dovecot-imapd", "dovecot-lmtpd", "postfix"]

DOVECOT_CONF = """
base_dir = {root}/run
state_dir = {root}/run/state
log_path = {root}/log/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/vmail/%d/%n
mail_uid = mail
mail_gid = mail
first_valid_uid = 8
first_valid_gid = 8
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={root}/vmail/%d/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
protocol lmtp {{
  postmaster_address = postmaster@{domain}
}}
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
}}
"""

# Nothing leaves the box: only example.test is delivered (to Dovecot over LMTP), every other domain is refused.
POSTFIX_MAIN = """
compatibility_level = 3.6
queue_directory = {root}/pfqueue
data_directory = {root}/pfdata
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.{domain}
mydomain = {domain}
myorigin = {domain}
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
virtual_mailbox_domains = {domain}
virtual_transport = lmtp:inet:127.0.0.1:{lmtp_port}
default_transport = error:outbound mail disabled in test environment
relay_transport = error:outbound mail disabled in test environment
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
disable_dns_lookups = yes
smtp_dns_support_level = disabled
maillog_file = /dev/stdout
biff = no
smtputf8_enable = yes
"""

POSTFIX_MASTER = """
127.0.0.1:{smtp_port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def install_mail_servers() -> None:
    """apt-get the Debian packages once (marker file, file lock); `apt-get update` only if the first try fails."""
    home = peers_dir() / "mail"
    home.mkdir(parents=True, exist_ok=True)
    marker = home / "installed"
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and shutil.which("dovecot") and shutil.which("postfix"):
            return
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["debconf-set-selections"],
            input=b"postfix postfix/main_mailer_type select No configuration\n",
            check=True,
        )
        install = [
            "apt-get",
            "install",
            "-y",
            "-o",
            "DPkg::Lock::Timeout=600",
            "--no-install-recommends",
            *PACKAGES,
        ]
        if subprocess.run(install, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, check=True, capture_output=True)
            subprocess.run(install, env=env, check=True, capture_output=True)
        marker.touch()


@dataclass(frozen=True)
class MailUser:
    address: str
    password: str


@dataclass(frozen=True)
class MailPeer:
    host: str
    imap_port: int
    smtp_port: int
    domain: str
    root: Path
    password: str

    def add_user(self, prefix: str = "user") -> MailUser:
        """A new mailbox address. Every address of the domain exists and shares the session's password:
        Dovecot re-reads a passwd-file at most once a second, which made users added in a burst unknown."""
        return MailUser(address=f"{prefix}{secrets.token_hex(3)}@{self.domain}", password=self.password)


def _wait_banner(port: int, banner: bytes, process: subprocess.Popen[bytes], log: Path, name: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log_tail(log)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                if conn.recv(64).startswith(banner):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} not ready on port {port} after 30 s:\n{log_tail(log)}")


def _configure(root: Path) -> MailPeer:
    """Write Dovecot's and Postfix's configuration for this session under `root`, on fresh ports."""
    root.chmod(0o755)
    peer = MailPeer(
        host="127.0.0.1",
        imap_port=free_port(),
        smtp_port=free_port(),
        domain=DOMAIN,
        root=root,
        password=secrets.token_urlsafe(12),
    )
    values = {
        "password": peer.password,
        "root": root,
        "domain": DOMAIN,
        "imap_port": peer.imap_port,
        "lmtp_port": free_port(),
        "smtp_port": peer.smtp_port,
    }
    for directory in ("run/state", "vmail", "log", "postfix", "pfqueue", "pfdata"):
        (root / directory).mkdir(parents=True)
    shutil.chown(root / "vmail", "mail", "mail")
    shutil.chown(root / "pfdata", "postfix")
    (root / "dovecot.conf").write_text(DOVECOT_CONF.format(**values))
    (root / "postfix" / "main.cf").write_text(POSTFIX_MAIN.format(**values))
    (root / "postfix" / "master.cf").write_text(POSTFIX_MASTER.format(**values))
    subprocess.run(
        ["postfix", "-c", str(root / "postfix"), "set-permissions"], check=True, capture_output=True
    )
    return peer


def _start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


@pytest.fixture(scope="session")
def mail_server() -> Iterator[MailPeer]:
    started = time.monotonic()
    install_mail_servers()
    installed = time.monotonic()
    # Not under pytest's tmp dir: Dovecot and Postfix drop to the mail/postfix users, who cannot enter a 0700
    # parent; the directory is removed at the end of the session.
    root = Path(tempfile.mkdtemp(prefix="comptoir-mail-"))
    postfix = ["postfix", "-c", str(root / "postfix")]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        peer = _configure(root)
        processes.append(
            _start(["dovecot", "-F", "-c", str(root / "dovecot.conf")], root / "log" / "dovecot.out")
        )
        _wait_banner(peer.imap_port, b"* OK", processes[-1], root / "log" / "dovecot.log", "Dovecot")
        processes.append(_start([*postfix, "start-fg"], root / "log" / "postfix.log"))
        _wait_banner(peer.smtp_port, b"220", processes[-1], root / "log" / "postfix.log", "Postfix")
        ready = time.monotonic()
        print(f"\nmail: install/check {installed - started:.1f} s, start {ready - installed:.1f} s")
        yield peer
    finally:
        if processes:
            subprocess.run([*postfix, "stop"], capture_output=True)
        for process in reversed(processes):
            stop_process_group(process)
        shutil.rmtree(root, ignore_errors=True)
