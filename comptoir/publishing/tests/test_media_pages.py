"""The media library's pages, the public rendition address, and media going out with a published post."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from comptoir.channels.models import Channel
from comptoir.publishing.media import do_update_media, do_upload_media, rendition_for
from comptoir.publishing.models import LinkTracking, Media, PostMedia, PostTarget
from comptoir.publishing.outbound import outbound_post
from comptoir.publishing.publisher import claim_due_targets, publish_target
from comptoir.publishing.tests.images import image_bytes, media_root, mp4_bytes, upload
from comptoir.testing.factories import ChannelFactory, MembershipFactory, PostFactory, PostTargetFactory
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role
from tests.peers.mastodon import MastodonState

__all__ = ["media_root"]

pytestmark = pytest.mark.usefixtures("media_root")


def library_url(owner: Membership) -> str:
    return reverse("publishing:media_library", args=[owner.workspace.slug])


def stored(owner: Membership, content: bytes | None = None, alt_text: str = "Une baguette") -> Media:
    return do_upload_media(
        owner.workspace, owner.user, upload(content or image_bytes(1200, 800)), alt_text
    ).media


def test_uploading_from_the_library_page(owner: Membership, owner_client: Client) -> None:
    response = owner_client.post(
        library_url(owner), {"file": upload(image_bytes(500, 400), "pain.jpg"), "alt_text": "Un pain"}
    )
    item = Media.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("publishing:media_detail", args=[owner.workspace.slug, item.pk])
    assert (item.alt_text, item.uploaded_by) == ("Un pain", owner.user)
    assert "pain.jpg" in owner_client.get(library_url(owner)).content.decode()


def test_a_refused_upload_says_why(owner: Membership, owner_client: Client) -> None:
    response = owner_client.post(library_url(owner), {"file": upload(b"not an image", "x.png", "image/png")})
    assert response.status_code == 400
    assert "neither an image" in response.content.decode()
    assert not Media.objects.exists()


def test_uploading_twice_says_it_is_already_there(owner: Membership, owner_client: Client) -> None:
    content = image_bytes(300, 300)
    owner_client.post(library_url(owner), {"file": upload(content)})
    response = owner_client.post(library_url(owner), {"file": upload(content, "copie.jpg")}, follow=True)
    assert "already in the library" in response.content.decode()
    assert Media.objects.count() == 1


def test_editing_alt_text_and_focal_point(owner: Membership, owner_client: Client) -> None:
    item = stored(owner)
    url = reverse("publishing:media_detail", args=[owner.workspace.slug, item.pk])
    response = owner_client.post(url, {"alt_text": "Deux baguettes", "focal_x": "0.2", "focal_y": "0.8"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.alt_text, item.focal_x, item.focal_y) == ("Deux baguettes", 0.2, 0.8)
    page = owner_client.post(url, {"alt_text": "", "focal_x": "2", "focal_y": "0.5"}).content.decode()
    assert "less than or equal to 1.0" in page


def test_the_detail_page_shows_the_renditions_of_the_workspace_networks(
    owner: Membership, owner_client: Client
) -> None:
    ChannelFactory(workspace=owner.workspace, network="instagram")
    item = stored(owner, image_bytes(1000, 3000))
    page = owner_client.get(reverse("publishing:media_detail", args=[owner.workspace.slug, item.pk]))
    assert "Instagram</strong> · 1000 × 1250" in page.content.decode()


def test_an_analyst_cannot_see_the_library(owner: Membership) -> None:
    analyst = MembershipFactory(workspace=owner.workspace, role=Role.ANALYST)
    client = Client()
    client.force_login(analyst.user)
    assert client.get(library_url(owner)).status_code == 403


def test_another_workspace_medium_is_not_found(owner: Membership, owner_client: Client) -> None:
    stranger = MembershipFactory()
    foreign = stored(stranger)
    url = reverse("publishing:media_detail", args=[owner.workspace.slug, foreign.pk])
    assert owner_client.get(url).status_code == 404
    delete = reverse("publishing:delete_media", args=[owner.workspace.slug, foreign.pk])
    assert owner_client.post(delete).status_code == 404
    assert Media.objects.filter(pk=foreign.pk).exists()


def test_deleting_a_medium_removes_its_files(
    owner: Membership, owner_client: Client, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    item = stored(owner)
    paths = [Path(item.file.path), Path(item.renditions.get().file.path)]
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("publishing:delete_media", args=[owner.workspace.slug, item.pk]))
    assert response.status_code == 302 and not Media.objects.exists()
    assert not any(path.exists() for path in paths)


# The public address ---------------------------------------------------------------------------------------


def test_a_rendition_is_served_publicly_by_its_token(owner: Membership) -> None:
    item = stored(owner)
    rendition = rendition_for(item, "instagram")
    assert rendition is not None
    response = Client().get(reverse("publishing:public_media", args=[item.public_token, "instagram"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert Image.open(io.BytesIO(content)).size == (rendition.width, rendition.height)


def test_a_remade_rendition_is_fetched_again(owner: Membership) -> None:
    item = stored(owner, image_bytes(1000, 3000))
    rendition_for(item, "instagram")
    url = reverse("publishing:public_media", args=[item.public_token, "instagram"])
    first = Client().get(url)
    assert first["Cache-Control"] == "public, no-cache"
    assert Client().get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304
    do_update_media(owner.workspace, owner.user, item, alt_text="", focal_x=0.5, focal_y=0.9)
    rendition_for(item, "instagram")
    again = Client().get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200 and again["ETag"] != first["ETag"]


def test_moving_the_focal_point_keeps_the_renditions_that_do_not_crop(owner: Membership) -> None:
    item = stored(owner, image_bytes(1000, 3000))
    rendition_for(item, "bluesky")
    do_update_media(owner.workspace, owner.user, item, alt_text="", focal_x=0.5, focal_y=0.9)
    assert set(item.renditions.values_list("preset", flat=True)) == {"thumb", "bluesky"}


def test_a_rendition_not_made_yet_is_not_computed_for_a_stranger(owner: Membership) -> None:
    item = stored(owner)
    response = Client().get(reverse("publishing:public_media", args=[item.public_token, "linkedin"]))
    assert response.status_code == 404
    assert not item.renditions.filter(preset="linkedin").exists()


def test_an_image_original_is_never_served(owner: Membership) -> None:
    item = stored(owner)
    assert (
        Client().get(reverse("publishing:public_media", args=[item.public_token, "original"])).status_code
        == 404
    )


def test_a_video_is_served_as_uploaded(owner: Membership) -> None:
    video = do_upload_media(
        owner.workspace, owner.user, upload(mp4_bytes(2048), "clip.mp4", "video/mp4")
    ).media
    response = Client().get(reverse("publishing:public_media", args=[video.public_token, "original"]))
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    assert len(b"".join(response.streaming_content)) == 2048  # type: ignore[attr-defined]


def test_an_unknown_token_is_not_found(db: None) -> None:
    assert Client().get(reverse("publishing:public_media", args=[uuid.uuid4(), "thumb"])).status_code == 404


# Going out --------------------------------------------------------------------------------------------------


def test_the_provider_gets_each_network_rendition_and_tagged_links(owner: Membership) -> None:
    LinkTracking.objects.create(workspace=owner.workspace, enabled=True, medium="social", campaign="hiver")
    item = stored(owner, image_bytes(1000, 3000))
    post = PostFactory(workspace=owner.workspace, utm_campaign="")
    PostMedia.objects.create(post=post, media=item)
    channel = ChannelFactory(workspace=owner.workspace, network="instagram")
    target = PostTargetFactory(post=post, channel=channel, text="Le menu : https://lemoine.fr/menu #pain")
    outbound = outbound_post(target)
    assert outbound.text == (
        "Le menu : https://lemoine.fr/menu?utm_source=instagram&utm_medium=social&utm_campaign=hiver #pain"
    )
    [medium] = outbound.media
    assert (medium.mime_type, medium.width, medium.height, medium.alt_text) == (
        "image/jpeg",
        1000,
        1250,
        "Une baguette",
    )
    assert medium.url.endswith(f"/m/{item.public_token}/instagram/")
    assert Image.open(io.BytesIO(medium.content)).size == (1000, 1250)


def test_a_missing_media_file_fails_the_target_without_blaming_the_channel(owner: Membership) -> None:
    item = stored(owner)
    post = PostFactory(workspace=owner.workspace)
    PostMedia.objects.create(post=post, media=item)
    channel = ChannelFactory(workspace=owner.workspace, network="bluesky")
    PostTargetFactory(post=post, channel=channel)
    item.file.delete(save=False)
    [claimed] = claim_due_targets("worker-1", timezone.now())
    with translation.override("en"):
        done = publish_target(claimed, "worker-1")
    assert (done.state, done.failure_reason) == (PostTarget.State.FAILED, "validation")
    assert done.last_error.startswith("A medium of this post cannot be read any more")
    assert "/" not in done.last_error
    channel.refresh_from_db()
    assert channel.status == Channel.Status.ACTIVE


def test_a_post_with_an_image_is_published_on_mastodon(
    owner: Membership, mastodon_channel: Channel, mastodon_server: MastodonState
) -> None:
    LinkTracking.objects.create(workspace=owner.workspace, enabled=True, medium="social")
    item = stored(owner, image_bytes(5000, 2000))
    post = PostFactory(workspace=owner.workspace, utm_campaign="noel")
    PostMedia.objects.create(post=post, media=item)
    PostTargetFactory(post=post, channel=mastodon_channel, text="Bûches : https://lemoine.fr/noel")

    [claimed] = claim_due_targets("worker-1", timezone.now())
    done = publish_target(claimed, "worker-1")
    assert done.state == PostTarget.State.PUBLISHED
    [status] = mastodon_server.statuses.values()
    assert (
        status["text"]
        == "Bûches : https://lemoine.fr/noel?utm_source=mastodon&utm_medium=social&utm_campaign=noel"
    )
    [uploaded] = mastodon_server.media.values()
    rendition = item.renditions.get(preset="mastodon")
    assert (uploaded["description"], uploaded["_bytes"]) == ("Une baguette", rendition.size_bytes)
    assert (rendition.width, rendition.height) == (3840, 1536)
