"""Read paths for posts, always scoped to a workspace."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from comptoir.publishing.models import Media, Pillar, Post, PostTarget, ReviewEvent, ReviewLink
from comptoir.workspaces.models import Workspace


def posts_of(workspace: Workspace) -> QuerySet[Post]:
    targets = PostTarget.objects.select_related("channel").order_by("channel__name")
    return (
        Post.objects.filter(workspace=workspace)
        .select_related("author", "pillar")
        .prefetch_related(Prefetch("targets", queryset=targets))
    )


def post_in(workspace: Workspace, post_id: int) -> Post:
    """One post of the workspace with its targets, or 404: another workspace's post does not exist here."""
    return get_object_or_404(posts_of(workspace), pk=post_id)


def review_thread(post: Post) -> QuerySet[ReviewEvent]:
    return post.review_events.select_related("actor", "review_link").prefetch_related("reviewers")


def review_links_of(post: Post) -> QuerySet[ReviewLink]:
    return post.review_links.select_related("created_by")


def review_link_in(workspace: Workspace, post_id: int, link_id: int) -> ReviewLink:
    return get_object_or_404(
        ReviewLink.objects.select_related("post__workspace"),
        pk=link_id,
        post_id=post_id,
        post__workspace=workspace,
    )


def pillars_of(workspace: Workspace) -> QuerySet[Pillar]:
    return Pillar.objects.filter(workspace=workspace)


def pillar_in(workspace: Workspace, pillar_id: int) -> Pillar:
    return get_object_or_404(pillars_of(workspace), pk=pillar_id)


def media_of(workspace: Workspace) -> QuerySet[Media]:
    return Media.objects.filter(workspace=workspace).select_related("uploaded_by")


def media_in(workspace: Workspace, media_id: int) -> Media:
    return get_object_or_404(media_of(workspace), pk=media_id)
