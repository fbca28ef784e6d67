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
from comptoir.publishing.media import do_upload_media
from comptoir.publishing.models import LinkTracking, Media, Pillar, Post, PostTarget, ToneRules
from comptoir.publishing.tests.images import image_bytes, media_root, mp4_bytes, upload
from comptoir.testing.factories import ChannelFactory, MembershipFactory, PostTargetFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import MATRIX, Permission, Role
from tests.peers.mastodon import MastodonState

__all__ = ["media_root"]


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


# Media, pillars, UTM and tone in the composer ---------------------------------------------------------------


@pytest.fixture
def images(owner: Membership, media_root: object) -> Callable[[int], list[Media]]:
    def make(count: int, alt_text: str = "Des croissants dorés") -> list[Media]:
        return [
            do_upload_media(
                owner.workspace,
                owner.user,
                upload(image_bytes(300 + n, 200, colour=f"#{n:02x}8040")),
                alt_text,
            ).media
            for n in range(count)
        ]

    return make


def checks_url(owner: Membership) -> str:
    return reverse("publishing:variant_checks", args=[owner.workspace.slug])


def test_a_post_with_media_and_a_pillar_is_saved_in_order(
    owner: Membership, owner_client: Client, images: Callable[[int], list[Media]]
) -> None:
    channel = ChannelFactory(workspace=owner.workspace, network="bluesky")
    pillar = Pillar.objects.create(workspace=owner.workspace, name="Recettes", target_share=40)
    first, second = images(2)
    response = owner_client.post(
        compose_url(owner), form([channel], attachments=[first.pk, second.pk], pillar=pillar.pk)
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.pillar == pillar
    assert set(post.attachments.values_list("media_id", flat=True)) == {first.pk, second.pk}


def test_more_images_than_the_network_takes_is_refused(
    owner: Membership, owner_client: Client, images: Callable[[int], list[Media]]
) -> None:
    channel = ChannelFactory(workspace=owner.workspace, network="x", name="Compte X")
    response = owner_client.post(compose_url(owner), form([channel], attachments=[m.pk for m in images(5)]))
    assert response.status_code == 200
    assert "X takes 4 image(s) per post; 5 are attached." in response.content.decode()
    assert not Post.objects.exists()


def test_an_image_without_alt_text_is_refused_where_the_network_wants_one(
    owner: Membership, owner_client: Client, images: Callable[..., list[Media]]
) -> None:
    mastodon = ChannelFactory(workspace=owner.workspace, network="mastodon", name="Masto")
    facebook = ChannelFactory(workspace=owner.workspace, network="facebook", name="Page")
    [item] = images(1, alt_text="")
    page = owner_client.post(
        compose_url(owner), form([mastodon, facebook], attachments=[item.pk])
    ).content.decode()
    assert "needs an alt text on Mastodon" in page
    assert "on Facebook" not in page
    assert not Post.objects.exists()


def test_a_video_where_the_network_takes_none_is_refused(
    owner: Membership, owner_client: Client, media_root: object
) -> None:
    channel = ChannelFactory(workspace=owner.workspace, network="email", name="Lettre")
    video = do_upload_media(owner.workspace, owner.user, upload(mp4_bytes(), "clip.mp4", "video/mp4")).media
    page = owner_client.post(compose_url(owner), form([channel], attachments=[video.pk])).content.decode()
    assert "E-mail does not take videos." in page
    assert not Post.objects.exists()


def test_instagram_without_an_image_is_refused(owner: Membership, owner_client: Client) -> None:
    channel = ChannelFactory(workspace=owner.workspace, network="instagram", name="Insta")
    page = owner_client.post(compose_url(owner), form([channel])).content.decode()
    assert "Instagram needs an image or a video." in page
    assert not Post.objects.exists()


def test_another_workspace_media_cannot_be_attached(
    owner: Membership, owner_client: Client, media_root: object
) -> None:
    channel = ChannelFactory(workspace=owner.workspace, network="bluesky")
    stranger = MembershipFactory()
    foreign = do_upload_media(stranger.workspace, stranger.user, upload(image_bytes(50, 50))).media
    page = owner_client.post(compose_url(owner), form([channel], attachments=[foreign.pk])).content.decode()
    assert "Select a valid choice." in page
    assert not Post.objects.exists()


def test_an_inline_upload_joins_the_library_and_the_post(
    owner: Membership, owner_client: Client, media_root: object
) -> None:
    channel = ChannelFactory(workspace=owner.workspace, network="facebook")
    response = owner_client.post(
        compose_url(owner), {**form([channel]), "upload": upload(image_bytes(400, 300))}
    )
    assert response.status_code == 302
    [item] = Media.objects.all()
    assert list(Post.objects.get().attachments.values_list("media_id", flat=True)) == [item.pk]


def test_a_bad_inline_upload_is_a_field_error(
    owner: Membership, owner_client: Client, media_root: object
) -> None:
    channel = ChannelFactory(workspace=owner.workspace, network="facebook")
    bad = upload(b"GIF89a but not really", "fake.gif", "image/gif")
    page = owner_client.post(compose_url(owner), {**form([channel]), "upload": bad}).content.decode()
    assert "damaged or incomplete" in page or "neither an image" in page
    assert not Post.objects.exists() and not Media.objects.exists()


def test_utm_parameters_that_push_the_text_over_the_limit_are_refused(
    owner: Membership, owner_client: Client
) -> None:
    LinkTracking.objects.create(workspace=owner.workspace, enabled=True, medium="social", campaign="rentree")
    channel = ChannelFactory(workspace=owner.workspace, network="bluesky", name="Ciel")
    # 290 graphemes fit Bluesky's 300; the 58 characters of parameters do not.
    text = "a" * 265 + " https://lemoine.fr/menu"
    page = owner_client.post(compose_url(owner), form([channel], text=text)).content.decode()
    assert "With UTM parameters added to its links: The text counts" in page
    assert not Post.objects.exists()


def test_utm_parameters_do_not_lengthen_a_mastodon_post(owner: Membership, owner_client: Client) -> None:
    LinkTracking.objects.create(workspace=owner.workspace, enabled=True, medium="social")
    channel = ChannelFactory(workspace=owner.workspace, network="mastodon")
    text = "a" * 470 + " https://lemoine.fr/menu"
    response = owner_client.post(compose_url(owner), form([channel], text=text, utm_campaign="noel"))
    assert response.status_code == 302
    assert Post.objects.get().utm_campaign == "noel"


def test_live_check_shows_tone_warnings_without_blocking(owner: Membership, owner_client: Client) -> None:
    ToneRules.objects.create(workspace=owner.workspace, forbidden="pas cher", required="#Lemoine")
    channel = ChannelFactory(workspace=owner.workspace, network="mastodon")
    data = form([channel], text="Du pain pas cher !")
    page = owner_client.post(checks_url(owner), data).content.decode()
    assert "“pas cher” is on the list of words to avoid." in page
    assert "The editorial line asks for “#Lemoine” in every post." in page
    assert owner_client.post(compose_url(owner), data).status_code == 302


def test_live_check_reports_media_problems(
    owner: Membership, owner_client: Client, images: Callable[[int], list[Media]]
) -> None:
    channel = ChannelFactory(workspace=owner.workspace, network="matrix", name="Salon")
    page = owner_client.post(
        checks_url(owner), form([channel], attachments=[m.pk for m in images(2)])
    ).content.decode()
    assert "Matrix takes 1 image(s) per post; 2 are attached." in page


def test_an_image_that_cannot_be_rendered_is_refused_before_scheduling(
    owner: Membership,
    owner_client: Client,
    images: Callable[[int], list[Media]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from comptoir.providers.capabilities import ImagePreset
    from comptoir.publishing import media as library

    channel = ChannelFactory(workspace=owner.workspace, network="bluesky", name="Ciel")
    [item] = images(1)
    monkeypatch.setattr(library, "SMALLEST_SIDE", 10_000)
    monkeypatch.setitem(library.IMAGE_PRESETS, "bluesky", ImagePreset(max_side=2000, max_bytes=10))
    page = owner_client.post(compose_url(owner), form([channel], attachments=[item.pk])).content.decode()
    assert "Ciel: “photo.jpg”: This image cannot be made small enough for the network." in page
    assert not Post.objects.exists()


def test_saving_a_post_prepares_the_renditions(
    owner: Membership, owner_client: Client, images: Callable[[int], list[Media]]
) -> None:
    channel = ChannelFactory(workspace=owner.workspace, network="instagram")
    [item] = images(1)
    assert owner_client.post(compose_url(owner), form([channel], attachments=[item.pk])).status_code == 302
    assert item.renditions.filter(preset="instagram").exists()
