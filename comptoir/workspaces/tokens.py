"""Secret tokens in links (invitations, API tokens, review links, calendar feeds): only their digest is stored."""

from __future__ import annotations

import hashlib


def hash_token(token: str) -> str:
    # Tokens carry 256 bits of randomness, so a plain SHA-256 needs no salt or slow hash.
    return hashlib.sha256(token.encode()).hexdigest()
