"""The OAuth dance for networks that need one: where to send the person, and what to exchange on return."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from comptoir.channels import crypto
from comptoir.providers.base import ProviderError
from comptoir.providers.oauth import pkce_pair
from comptoir.providers.registry import get_provider_class


@dataclass(frozen=True)
class OAuthStart:
    url: str
    state: str
    # Kept in the session until the person comes back; secrets in it are encrypted.
    pending: dict[str, str] = field(default_factory=dict)


def _operator_app(network: str) -> tuple[str, str]:
    app: tuple[str, str] | None = settings.OAUTH_APPS.get(network)
    if app is None:
        raise ValidationError(
            _(
                "This server has no %(network)s app yet: its operator must register one with the network and set "
                "COMPTOIR_%(upper)s_CLIENT_ID and COMPTOIR_%(upper)s_CLIENT_SECRET."
            )
            % {"network": network, "upper": network.upper()}
        )
    return app


def start(network: str, redirect_uri: str, form: Mapping[str, str]) -> OAuthStart:
    state = secrets.token_urlsafe(24)
    provider = get_provider_class(network)
    try:
        if network == "mastodon":
            instance = form.get("instance", "").strip()
            if not instance:
                raise ValidationError(_("Give the address of your Mastodon instance."))
            allow = {"allow_private_network": "1"} if settings.ALLOW_PRIVATE_NETWORKS else {}
            client_id, client_secret = provider.register_app(instance, redirect_uri, allow)  # type: ignore[attr-defined]
            url = provider.authorization_url(instance, client_id, redirect_uri, state)  # type: ignore[attr-defined]
            pending = {
                "instance": instance,
                "client_id": client_id,
                "client_secret": crypto.encrypt({"s": client_secret}),
            }
            return OAuthStart(url, state, pending)
        client_id, _secret = _operator_app(network)
        if network == "x":
            verifier, challenge = pkce_pair()
            url = provider.authorization_url(client_id, redirect_uri, state, challenge)  # type: ignore[attr-defined]
            return OAuthStart(url, state, {"code_verifier": crypto.encrypt({"s": verifier})})
        url = provider.authorization_url(client_id, redirect_uri, state)  # type: ignore[attr-defined]
        return OAuthStart(url, state)
    except ProviderError as error:
        raise ValidationError(error.message) from None


def connect_params(network: str, pending: Mapping[str, str], code: str, redirect_uri: str) -> dict[str, str]:
    """What the provider's `connect` needs to exchange the code, from what `start` kept."""
    if network == "mastodon":
        return {
            "instance": pending["instance"],
            "client_id": pending["client_id"],
            "client_secret": crypto.decrypt(pending["client_secret"])["s"],
            "code": code,
            "redirect_uri": redirect_uri,
        }
    client_id, client_secret = _operator_app(network)
    params = {"code": code, "redirect_uri": redirect_uri}
    if network == "x":
        params |= {
            "client_id": client_id,
            "client_secret": client_secret,
            "code_verifier": crypto.decrypt(pending["code_verifier"])["s"],
        }
    elif network in {"facebook", "instagram"}:
        params |= {"app_id": client_id, "app_secret": client_secret}
    else:
        params |= {"client_id": client_id, "client_secret": client_secret}
    return params
