"""Read paths for posts, always scoped to a workspace."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from comptoir.publishing.models import Post, PostTarget
from comptoir.workspaces.models import Workspace


def posts_of(workspace: Workspace) -> QuerySet[Post]:
    targets = PostTarget.objects.select_related("channel").order_by("channel__name")
    return (
        Post.objects.filter(workspace=workspace)
        .select_related("author")
        .prefetch_related(Prefetch("targets", queryset=targets))
    )
