"""Read paths for channels, always scoped to a workspace."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from comptoir.channels.models import Channel
from comptoir.workspaces.models import Workspace


def channels_of(workspace: Workspace) -> QuerySet[Channel]:
    return Channel.objects.filter(workspace=workspace)


def channel_of(workspace: Workspace, channel_id: int) -> Channel:
    channel = channels_of(workspace).filter(id=channel_id).first()
    if channel is None:
        raise Http404("No such channel.")
    return channel
