"""The composer: per-network length checks live and on submit, scheduling, publishing now; errors never a 500."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comptoir.channels.models import Channel
from comptoir.publishing.models import Post, PostTarget
from comptoir.testing.factories import ChannelFactory, MembershipFactory, PostTargetFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import MATRIX, Permission, Role
from tests.peers.mastodon import MastodonState


def compose_url(owner: Membership) -> str:
    return reverse("publishing:compose", args=[owner.workspace.slug])


def form(channels: list[Channel], **fields: object) -> dict[str, object]:
    return {
        "title": "Portes ouvertes",
        "text": "Portes ouvertes samedi à la boulangerie !",
        "channels": [channel.pk for channel in channels],
        "when": "draft",
        **fields,
    }


def test_page_lists_the_channels_that_can_publish(
    owner: Membership, owner_client: Client, mastodon_channel: Channel
) -> None:
    ChannelFactory(workspace=owner.workspace, network="rss", name="Flux du blog")
    page = owner_client.get(compose_url(owner)).content.decode()
    assert "Boulangerie Lemoine" in page and "Variant for Boulangerie Lemoine" in page
    assert "Flux du blog" not in page


def test_draft_is_saved_with_one_target_per_channel(
    owner: Membership, owner_client: Client, mastodon_channel: Channel
) -> None:
    matrix = ChannelFactory(workspace=owner.workspace, network="matrix", name="Salon")
    response = owner_client.post(
        compose_url(owner),
        form([mastodon_channel, matrix], **{f"variant_{matrix.pk}": "Version Matrix"}),
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.author == owner.user
    texts = dict(post.targets.values_list("channel__name", "text"))
    assert texts == {
        "Boulangerie Lemoine": "Portes ouvertes samedi à la boulangerie !",
        "Salon": "Version Matrix",
    }
    assert set(post.targets.values_list("state", flat=True)) == {"draft"}
    assert AuditEntry.objects.filter(workspace=owner.workspace, object_type="posttarget").count() == 2


def test_too_long_variant_is_refused_with_the_count(
    owner: Membership, owner_client: Client, mastodon_channel: Channel
) -> None:
    response = owner_client.post(compose_url(owner), form([mastodon_channel], text="é" * 501))
    assert response.status_code == 200
    assert (
        "The text counts 501 characters for Mastodon, which allows 500 (1 too many)."
        in response.content.decode()
    )
    assert not Post.objects.exists()


def test_missing_channel_date_or_past_date_are_form_errors(
    owner: Membership, owner_client: Client, mastodon_channel: Channel
) -> None:
    cases = [
        (form([]), "This field is required."),
        (form([mastodon_channel], when="schedule"), "Give the date and time to publish."),
        (form([mastodon_channel], when="schedule", publish_at="demain"), "Enter a date and time such as"),
        (
            form([mastodon_channel], when="schedule", publish_at="2020-01-01T10:00"),
            "This time has already passed.",
        ),
        (form([ChannelFactory()]), "Select a valid choice."),
    ]
    for data, error in cases:
        response = owner_client.post(compose_url(owner), data)
        assert response.status_code == 200
        assert error in response.content.decode(), error
    assert not Post.objects.exists()


def test_live_check_counts_each_network_its_own_way(
    owner: Membership, owner_client: Client, mastodon_channel: Channel
) -> None:
    matrix = ChannelFactory(workspace=owner.workspace, network="matrix", name="Salon")
    link = "https://exemple.fr/" + "a" * 100
    response = owner_client.post(
        reverse("publishing:variant_checks", args=[owner.workspace.slug]),
        {"text": f"Menu : {link}", "channels": [mastodon_channel.pk, matrix.pk, "nope"]},
    )
    html = response.content.decode()
    # Mastodon counts any link as 23 characters; Matrix counts every character.
    assert "30 / 500 characters" in html
    assert f"{7 + len(link)} / 16000 characters" in html
    empty = owner_client.post(
        reverse("publishing:variant_checks", args=[owner.workspace.slug]), {"text": "x"}
    )
    assert "Tick a channel" in empty.content.decode()


def test_scheduled_post_waits_for_its_time(
    owner: Membership, owner_client: Client, mastodon_server: MastodonState, mastodon_channel: Channel
) -> None:
    local = (timezone.now() + timedelta(days=2)).astimezone(owner.workspace.zone)
    response = owner_client.post(
        compose_url(owner),
        form([mastodon_channel], when="schedule", publish_at=local.strftime("%Y-%m-%dT%H:%M")),
    )
    assert response.status_code == 302
    target = PostTarget.objects.get()
    assert target.state == "scheduled" and target.due_at is not None
    assert target.due_at.astimezone(owner.workspace.zone).strftime("%Y-%m-%d %H:%M") == local.strftime(
        "%Y-%m-%d %H:%M"
    )
    assert mastodon_server.statuses == {}


def test_publish_now_goes_out_at_once_and_shows_in_the_list(
    owner: Membership,
    owner_client: Client,
    mastodon_server: MastodonState,
    mastodon_channel: Channel,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        response = owner_client.post(compose_url(owner), form([mastodon_channel], when="now"))
    assert response.status_code == 302
    target = PostTarget.objects.get()
    assert target.state == "published"
    [status] = mastodon_server.statuses.values()
    html = owner_client.get(response["Location"]).content.decode()
    assert "“Portes ouvertes” is saved." in html
    assert "Published" in html and f'href="{target.remote_url}"' in html and status["id"] in target.remote_url


def test_list_shows_failures_with_their_message(
    owner: Membership,
    owner_client: Client,
    mastodon_server: MastodonState,
    mastodon_channel: Channel,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    mastodon_server.fail_next(
        "POST", "/api/v1/statuses", 422, {"error": "Validation failed: Text is <b>odd</b>"}
    )
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        owner_client.post(compose_url(owner), form([mastodon_channel], when="now"))
    html = owner_client.get(reverse("publishing:list", args=[owner.workspace.slug])).content.decode()
    assert "Failed" in html and "Refused by the network" in html
    assert "Mastodon: Validation failed: Text is &lt;b&gt;odd&lt;/b&gt;" in html


def test_empty_list_invites_to_write(owner: Membership, owner_client: Client) -> None:
    html = owner_client.get(reverse("publishing:list", args=[owner.workspace.slug])).content.decode()
    assert "No post yet." in html and reverse("publishing:compose", args=[owner.workspace.slug]) in html


def test_list_queries_do_not_grow_with_the_posts(owner: Membership, owner_client: Client) -> None:
    url = reverse("publishing:list", args=[owner.workspace.slug])
    PostTargetFactory(post__workspace=owner.workspace, channel__workspace=owner.workspace)
    with CaptureQueriesContext(connection) as one_post:
        owner_client.get(url)
    for _ in range(5):
        target = PostTargetFactory(post__workspace=owner.workspace, channel__workspace=owner.workspace)
        PostTargetFactory(post=target.post, channel__workspace=owner.workspace)
    with CaptureQueriesContext(connection) as six_posts:
        html = owner_client.get(url).content.decode()
    assert html.count('data-testid="target-') == 11
    assert len(six_posts) == len(one_post) <= 12


def test_writing_without_publishing_keeps_drafts_only(
    monkeypatch: pytest.MonkeyPatch, owner: Membership, mastodon_channel: Channel
) -> None:
    monkeypatch.setitem(MATRIX, Role.EDITOR, MATRIX[Role.EDITOR] - {Permission.PUBLISH_POSTS})
    writer = MembershipFactory(workspace=owner.workspace, role=Role.EDITOR)
    client = Client()
    client.force_login(writer.user)
    assert client.post(compose_url(owner), form([mastodon_channel], when="now")).status_code == 403
    assert client.post(compose_url(owner), form([mastodon_channel])).status_code == 302
    assert PostTarget.objects.get().state == "draft"


def test_without_channels_the_page_says_where_to_connect_them(
    owner: Membership, owner_client: Client
) -> None:
    page = owner_client.get(reverse("publishing:compose", args=[owner.workspace.slug])).content.decode()
    assert 'data-testid="no-channel"' in page
    assert reverse("channels:list", args=[owner.workspace.slug]) in page
    ChannelFactory(workspace=owner.workspace)
    page = owner_client.get(reverse("publishing:compose", args=[owner.workspace.slug])).content.decode()
    assert 'data-testid="no-channel"' not in page
