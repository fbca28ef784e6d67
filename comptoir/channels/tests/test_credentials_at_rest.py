"""Credentials are encrypted in the database, never shown, and survive a key rotation."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from comptoir.channels import crypto
from comptoir.channels.actions import do_connect_channel
from comptoir.channels.models import Channel
from comptoir.providers.base import Connection
from comptoir.testing.factories import api_token_for
from comptoir.workspaces.models import Membership

SECRET = "syt_c2VjcmV0LXRva2VuLWZvci10ZXN0cw_Zk3"


def connect(owner: Membership) -> Channel:
    connection_ = Connection(
        account_id="!room:localhost",
        display_name="#communaute",
        handle="#communaute:localhost",
        credentials={"access_token": SECRET, "device_id": "COMPTOIR"},
        settings={"homeserver": "http://127.0.0.1:18008"},
    )
    return do_connect_channel(owner.workspace, owner.user, "matrix", connection_)


def every_stored_value() -> str:
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            values.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(values)


def test_no_table_holds_the_secret_in_clear(owner: Membership) -> None:
    channel = connect(owner)
    stored = every_stored_value()
    assert "#communaute" in stored  # the scan reads the channel's row
    assert SECRET not in stored
    assert channel.credentials["access_token"] == SECRET


def test_pages_and_api_never_show_credentials(owner: Membership, owner_client: Client) -> None:
    channel = connect(owner)
    page = owner_client.get(reverse("channels:list", args=[owner.workspace.slug])).content.decode()
    reconnect = owner_client.get(
        reverse("channels:reconnect", args=[owner.workspace.slug, channel.id])
    ).content.decode()
    api = Client(headers={"Authorization": f"Bearer {api_token_for(owner)[1]}"})
    body = json.dumps([api.get("/api/channels").json(), api.get(f"/api/channels/{channel.id}").json()])
    for shown in (page, reconnect, body):
        assert SECRET not in shown
        assert channel.credentials_encrypted not in shown


def test_key_rotation(owner: Membership, settings: Settings) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    channel = connect(owner)
    written_with_old = channel.credentials_encrypted
    settings.ENCRYPTION_KEYS = [new, old]
    assert Channel.objects.get().credentials["access_token"] == SECRET
    call_command("rotate_channel_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.ENCRYPTION_KEYS = [new]
    rotated = Channel.objects.get()
    assert rotated.credentials_encrypted != written_with_old
    assert rotated.credentials["access_token"] == SECRET
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.CredentialsUnreadable):
        _ = Channel.objects.get().credentials
