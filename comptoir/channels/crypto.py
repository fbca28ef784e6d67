"""Encryption at rest for channel credentials (Fernet), with key rotation.

Without COMPTOIR_ENCRYPTION_KEYS the key is derived from SECRET_KEY, so the embedded default encrypts too;
production sets its own keys so that a leaked SECRET_KEY alone does not open the credentials.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class CredentialsUnreadable(Exception):
    """No configured key opens these credentials (a key was removed before rotation)."""


def _derived_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"comptoir-channel-credentials", info=b"fernet")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


@cache
def _cipher(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    fernets = [Fernet(key) for key in keys] or [Fernet(_derived_key(secret_key))]
    if keys:
        # Credentials written before explicit keys were configured stay readable until rotated.
        fernets.append(Fernet(_derived_key(secret_key)))
    return MultiFernet(fernets)


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(credentials: Mapping[str, str]) -> str:
    return cipher().encrypt(json.dumps(dict(credentials)).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    try:
        data: dict[str, str] = json.loads(cipher().decrypt(token.encode()))
    except InvalidToken:
        raise CredentialsUnreadable("No configured encryption key opens these credentials.") from None
    return data


def rotate(token: str) -> str:
    return cipher().rotate(token.encode()).decode()
