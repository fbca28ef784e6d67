"""API routes for the token's channels: list, read and disconnect (credentials are never exposed)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from comptoir.api.auth import caller
from comptoir.channels import actions, queries
from comptoir.channels.models import Channel
from comptoir.workspaces.api import ERRORS
from comptoir.workspaces.permissions import Permission

router = Router(tags=["channels"])


class ChannelOut(Schema):
    id: int
    network: str
    name: str
    handle: str
    status: str
    token_expires_at: datetime | None
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str


def _channel_out(channel: Channel) -> ChannelOut:
    return ChannelOut.model_validate(channel, from_attributes=True)


@router.get("/channels", response={200: list[ChannelOut], **ERRORS})
def list_channels(request: HttpRequest) -> list[ChannelOut]:
    workspace = caller(request, Permission.VIEW_CHANNELS).workspace
    return [_channel_out(channel) for channel in queries.channels_of(workspace)]


@router.get("/channels/{channel_id}", response={200: ChannelOut, **ERRORS})
def get_channel(request: HttpRequest, channel_id: int) -> ChannelOut:
    workspace = caller(request, Permission.VIEW_CHANNELS).workspace
    return _channel_out(queries.channel_of(workspace, channel_id))


@router.delete("/channels/{channel_id}", response={204: None, **ERRORS})
def remove_channel(request: HttpRequest, channel_id: int) -> Status[None]:
    api_caller = caller(request, Permission.MANAGE_CHANNELS)
    actions.do_remove_channel(
        queries.channel_of(api_caller.workspace, channel_id), api_caller.membership.user
    )
    return Status(204, None)
