"""Connecting, reconnecting and removing channels, and recording their health after each provider call."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.channels.catalogue import NETWORKS
from comptoir.channels.models import Channel
from comptoir.providers.base import Connection, PermanentError, PermanentReason, Provider, ProviderError
from comptoir.providers.registry import get_provider_class
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Workspace

AUDITED_FIELDS = ["network", "name", "account_id", "handle", "status"]


def provider_params(params: Mapping[str, str]) -> dict[str, str]:
    cleaned = {
        key: value.strip() if isinstance(value, str) else value for key, value in params.items() if value
    }
    if settings.ALLOW_PRIVATE_NETWORKS:
        cleaned["allow_private_network"] = "1"
    return cleaned


def establish_connection(network: str, params: Mapping[str, str]) -> Connection:
    """Asks the network to check what the person entered; its refusal becomes a form error."""
    if network not in NETWORKS:
        raise ValidationError(_("Unknown network “%(network)s”.") % {"network": network})
    try:
        return get_provider_class(network).connect(provider_params(params))
    except ProviderError as error:
        raise ValidationError(error.message) from None


@transaction.atomic
def do_connect_channel(workspace: Workspace, actor: User, network: str, connection: Connection) -> Channel:
    """Creates the channel, or reconnects it when this account is already connected to the workspace."""
    channel = Channel.objects.filter(
        workspace=workspace, network=network, account_id=connection.account_id
    ).first()
    before = audit.snapshot(channel, AUDITED_FIELDS) if channel else {}
    channel = channel or Channel(workspace=workspace, network=network, account_id=connection.account_id)
    channel.name = (connection.display_name or connection.handle or connection.account_id)[:120]
    channel.handle = connection.handle[:255]
    channel.avatar_url = connection.avatar_url[:500]
    channel.settings = dict(connection.settings)
    channel.credentials = dict(connection.credentials)
    channel.token_expires_at = connection.expires_at
    channel.status = Channel.Status.ACTIVE
    channel.last_error = ""
    channel.last_success_at = timezone.now()
    channel.save()
    action = AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE
    audit.record(
        workspace, actor, action, channel, audit.changed(before, audit.snapshot(channel, AUDITED_FIELDS))
    )
    return channel


@transaction.atomic
def do_remove_channel(channel: Channel, actor: User) -> None:
    """Credentials are erased at once; what was published stays on the network."""
    audit.record(
        channel.workspace, actor, AuditEntry.Action.DELETE, channel, {"network": [channel.network, None]}
    )
    channel.delete()


def provider_for(channel: Channel) -> Provider:
    return get_provider_class(channel.network)(dict(channel.credentials), channel.settings)


def save_renewed_credentials(channel: Channel, provider: Provider) -> None:
    """Some SDKs renew a session in the middle of a call: keep what the provider now holds, or the next job
    would start from a token the network has already replaced."""
    current = dict(provider.credentials)
    if current != channel.credentials:
        channel.credentials = current
        channel.save(update_fields=["credentials_encrypted"])


def record_channel_success(channel: Channel) -> None:
    Channel.objects.filter(pk=channel.pk).update(status=Channel.Status.ACTIVE, last_success_at=timezone.now())


def record_channel_failure(channel: Channel, error: ProviderError) -> None:
    """A revoked authorisation asks a person to reconnect; any other failure only marks the channel as failing."""
    revoked = isinstance(error, PermanentError) and error.reason is PermanentReason.AUTH_REVOKED
    Channel.objects.filter(pk=channel.pk).update(
        status=Channel.Status.RECONNECT if revoked else Channel.Status.FAILING,
        last_error_at=timezone.now(),
        last_error=error.message[:500],
    )


def do_check_channel(channel: Channel) -> bool:
    """Renews short-lived tokens, then reads the channel once; False (with the error recorded) when that fails."""
    provider = provider_for(channel)
    try:
        connection = provider.refresh_credentials()
        if connection is not None:
            # Saved before anything else: networks that rotate refresh tokens have just invalidated the old one.
            channel.credentials = dict(connection.credentials)
            channel.token_expires_at = connection.expires_at
            channel.save(update_fields=["credentials_encrypted", "token_expires_at"])
            provider = provider_for(channel)
        provider.fetch_inbox("")
    except ProviderError as error:
        save_renewed_credentials(channel, provider)
        record_channel_failure(channel, error)
        return False
    save_renewed_credentials(channel, provider)
    record_channel_success(channel)
    return True
