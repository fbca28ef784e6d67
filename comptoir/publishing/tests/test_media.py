"""The media library: uploads checked by their content, deduplicated, turned upright, and renditions per network."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from comptoir.providers.networks import CAPABILITIES, IMAGE_PRESETS
from comptoir.publishing import media as library
from comptoir.publishing.media import crop_box, do_upload_media, rendition_for
from comptoir.publishing.models import Media, MediaRendition
from comptoir.publishing.tests.images import (
    image_bytes,
    in_english,
    marked_image,
    media_root,
    mp4_bytes,
    upload,
)
from comptoir.workspaces.models import AuditEntry, Membership

__all__ = ["in_english", "media_root"]

pytestmark = pytest.mark.usefixtures("media_root", "in_english")


def stored(owner: Membership, content: bytes, name: str = "photo.jpg") -> Media:
    return do_upload_media(owner.workspace, owner.user, upload(content, name)).media


def refusal(owner: Membership, content: bytes, name: str = "photo.jpg") -> str:
    with pytest.raises(ValidationError) as caught:
        do_upload_media(owner.workspace, owner.user, upload(content, name))
    assert not Media.objects.exists()
    return " ".join(caught.value.messages)


def test_a_jpeg_is_stored_with_its_measures(owner: Membership) -> None:
    content = image_bytes(800, 600)
    item = stored(owner, content)
    assert (item.kind, item.mime_type, item.width, item.height) == ("image", "image/jpeg", 800, 600)
    assert item.size_bytes == len(content) and len(item.sha256) == 64
    assert AuditEntry.objects.filter(object_type="media", action="create").count() == 1


@pytest.mark.parametrize(
    ("format", "mime_type"), [("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")]
)
def test_the_type_comes_from_the_content_not_the_name(owner: Membership, format: str, mime_type: str) -> None:
    item = stored(owner, image_bytes(64, 64, format=format), name="photo.jpg")
    assert item.mime_type == mime_type


def test_a_file_that_is_not_an_image_is_refused(owner: Membership) -> None:
    assert "neither an image" in refusal(owner, b"%PDF-1.7 not an image at all", "photo.jpg")


def test_an_image_format_we_do_not_take_is_refused(owner: Membership) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="BMP")
    assert "Only JPEG, PNG, WebP and GIF" in refusal(owner, buffer.getvalue(), "photo.bmp")


def test_a_truncated_image_is_refused(owner: Membership) -> None:
    content = image_bytes(400, 300)
    assert "damaged or incomplete" in refusal(owner, content[: len(content) // 2])


def test_a_file_too_big_is_refused_before_being_read(
    owner: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library, "MAX_IMAGE_BYTES", 1000)
    assert "larger than the" in refusal(owner, image_bytes(400, 300, format="PNG") + b"\x00" * 2000)


def test_an_empty_file_is_refused(owner: Membership) -> None:
    with pytest.raises(ValidationError, match="empty"):
        do_upload_media(owner.workspace, owner.user, upload(b""))


@pytest.mark.parametrize("side", [7_000, 10_000])
def test_a_decompression_bomb_is_refused_with_its_size(owner: Membership, side: int) -> None:
    # A single-colour PNG of 49 or 100 megapixels weighs a few KB and inflates to hundreds of MB: the first
    # trips Pillow's warning (past MAX_IMAGE_PIXELS, made an error), the second its refusal (past twice it).
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, format="PNG")
    message = refusal(owner, buffer.getvalue(), "bomb.png")
    assert f"{side} × {side} pixels" in message and "40 megapixels" in message


def test_an_mp4_video_is_accepted_by_its_signature(owner: Membership) -> None:
    item = stored(owner, mp4_bytes(), name="clip.mp4")
    assert (item.kind, item.mime_type, item.width) == ("video", "video/mp4", None)
    assert not item.renditions.exists()


def test_a_quicktime_file_is_not_an_mp4(owner: Membership) -> None:
    content = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 100
    assert "Only MP4 videos" in refusal(owner, content, "clip.mov")


def test_a_heic_photo_is_refused_with_what_to_do(owner: Membership) -> None:
    content = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
    assert "export the photo as JPEG" in refusal(owner, content, "IMG_0001.HEIC")


def test_the_same_file_twice_is_one_medium(owner: Membership) -> None:
    content = image_bytes(300, 200)
    first = do_upload_media(owner.workspace, owner.user, upload(content))
    again = do_upload_media(owner.workspace, owner.user, upload(content, "copie.jpg"))
    assert (first.created, again.created, again.media.pk) == (True, False, first.media.pk)
    assert Media.objects.count() == 1


def test_the_same_file_in_another_workspace_is_another_medium(owner: Membership) -> None:
    from comptoir.testing.factories import MembershipFactory

    content = image_bytes(300, 200)
    other = MembershipFactory()
    stored(owner, content)
    assert do_upload_media(other.workspace, other.user, upload(content)).created


def test_exif_orientation_is_applied(owner: Membership) -> None:
    # Orientation 6: the camera was turned; the picture is 400 wide as stored and 400 high as seen.
    item = stored(owner, image_bytes(400, 300, orientation=6))
    assert (item.width, item.height) == (300, 400)
    with item.file.open("rb") as file:
        assert Image.open(file).size == (300, 400)


def test_the_stored_name_is_ours(owner: Membership) -> None:
    item = stored(owner, image_bytes(50, 50, format="PNG"), name="../../etc/passwd.jpg")
    assert Path(item.file.name).name.endswith(".png") and ".." not in item.file.name
    assert item.original_name == "passwd.jpg"


def test_upload_makes_a_thumbnail(owner: Membership) -> None:
    item = stored(owner, image_bytes(2000, 1000))
    thumbnail = item.renditions.get(preset="thumb")
    assert (thumbnail.width, thumbnail.height) == (640, 320)


# Renditions -------------------------------------------------------------------------------------------------


def test_crop_box_keeps_a_ratio_in_range_whole() -> None:
    assert crop_box(1000, 1000, 0.8, 1.91, 0.5, 0.5) == (0, 0, 1000, 1000)


def test_crop_box_of_a_tall_image_follows_the_focal_point() -> None:
    # 1000 × 2000 (ratio 0.5) must become 4:5, i.e. 1000 × 1250; the focal point near the bottom keeps it.
    assert crop_box(1000, 2000, 0.8, 1.91, 0.5, 0.9) == (0, 750, 1000, 2000)
    assert crop_box(1000, 2000, 0.8, 1.91, 0.5, 0.5) == (0, 375, 1000, 1625)
    assert crop_box(1000, 2000, 0.8, 1.91, 0.5, 0.0) == (0, 0, 1000, 1250)


def test_crop_box_of_a_wide_image_follows_the_focal_point() -> None:
    # 4000 × 1000 (ratio 4) must become 1.91:1, i.e. 1910 × 1000.
    assert crop_box(4000, 1000, 0.8, 1.91, 0.1, 0.5) == (0, 0, 1910, 1000)
    assert crop_box(4000, 1000, 0.8, 1.91, 1.0, 0.5) == (2090, 0, 4000, 1000)


def test_instagram_rendition_of_a_tall_image_is_4_5_with_the_subject_in_frame(owner: Membership) -> None:
    # A 1000 × 3000 picture whose subject (the black square) sits near the bottom.
    item = stored(owner, marked_image(1000, 3000, (400, 2600, 600, 2800)), name="tall.png")
    item.focal_x, item.focal_y = 0.5, 0.9
    item.save()
    rendition = rendition_for(item, "instagram")
    assert rendition is not None
    assert rendition.mime_type == "image/jpeg"  # Instagram takes JPEG only
    assert rendition.width / rendition.height == pytest.approx(0.8, abs=0.01)
    assert max(rendition.width, rendition.height) <= IMAGE_PRESETS["instagram"].max_side
    with rendition.file.open("rb") as file:
        image = Image.open(file).convert("L")
    # The subject is in the frame, in its lower part.
    darkest = min(range(image.height), key=lambda y: image.getpixel((image.width // 2, y)))
    assert image.getpixel((image.width // 2, darkest)) < 60
    assert darkest > image.height / 2


def test_a_centred_focal_point_would_lose_that_subject(owner: Membership) -> None:
    item = stored(owner, marked_image(1000, 3000, (400, 2600, 600, 2800)), name="tall.png")
    rendition = rendition_for(item, "instagram")
    assert rendition is not None
    with rendition.file.open("rb") as file:
        image = Image.open(file).convert("L")
    assert min(image.getpixel((image.width // 2, y)) for y in range(image.height)) > 200


def test_renditions_are_resized_to_the_network_longest_side(owner: Membership) -> None:
    item = stored(owner, image_bytes(5000, 2500))
    bluesky = rendition_for(item, "bluesky")
    assert bluesky is not None and (bluesky.width, bluesky.height) == (2000, 1000)
    assert bluesky.size_bytes <= CAPABILITIES["bluesky"].media.max_image_bytes


def test_a_small_image_keeps_its_size(owner: Membership) -> None:
    item = stored(owner, image_bytes(640, 480, format="PNG"))
    rendition = rendition_for(item, "mastodon")
    assert rendition is not None and (rendition.width, rendition.height, rendition.mime_type) == (
        640,
        480,
        "image/png",
    )


def test_a_rendition_too_heavy_is_recompressed_under_the_network_limit(owner: Membership) -> None:
    # Noise does not compress: a 1 900 px PNG of noise is several MB, Bluesky takes 1 000 000 bytes.
    noise = Image.effect_noise((1900, 1900), 100).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG")
    item = stored(owner, buffer.getvalue(), name="noise.png")
    rendition = rendition_for(item, "bluesky")
    assert rendition is not None and rendition.size_bytes <= 1_000_000
    assert rendition.mime_type == "image/jpeg"


def test_a_gif_that_fits_goes_out_unchanged_and_one_that_must_change_as_png(owner: Membership) -> None:
    frames = [Image.new("P", (400, 300), colour) for colour in (1, 2, 3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    item = stored(owner, buffer.getvalue(), name="anim.gif")
    mastodon = rendition_for(item, "mastodon")
    assert mastodon is not None and mastodon.mime_type == "image/gif"
    with mastodon.file.open("rb") as file:
        assert file.read() == buffer.getvalue()
    # Instagram takes JPEG only and 4:5 to 1.91:1: the first frame, cropped, as JPEG.
    instagram = rendition_for(item, "instagram")
    assert instagram is not None and instagram.mime_type == "image/jpeg"


def test_a_cmyk_jpeg_is_rendered(owner: Membership) -> None:
    buffer = io.BytesIO()
    Image.new("CMYK", (500, 400), (0, 50, 100, 0)).save(buffer, format="JPEG")
    rendition = rendition_for(stored(owner, buffer.getvalue()), "x")
    assert rendition is not None and (rendition.mime_type, rendition.width) == ("image/jpeg", 500)


def test_a_rendition_is_made_once_then_reused(owner: Membership) -> None:
    item = stored(owner, image_bytes(1200, 800))
    first = rendition_for(item, "x")
    again = rendition_for(item, "x")
    assert first is not None and again is not None and first.pk == again.pk
    assert MediaRendition.objects.filter(media=item, preset="x").count() == 1


def test_moving_the_focal_point_remakes_the_rendition(owner: Membership) -> None:
    item = stored(owner, image_bytes(1000, 3000))
    first = rendition_for(item, "instagram")
    assert first is not None
    library.do_update_media(
        owner.workspace, owner.user, item, alt_text="Une baguette", focal_x=0.5, focal_y=0.1
    )
    item.refresh_from_db()
    assert not item.renditions.filter(preset="instagram").exists()
    again = rendition_for(item, "instagram")
    assert again is not None and (again.focal_x, again.focal_y) == (0.5, 0.1)
    assert item.alt_text == "Une baguette"


def test_a_network_without_images_has_no_rendition(owner: Membership) -> None:
    assert rendition_for(stored(owner, image_bytes(100, 100)), "youtube") is None


def test_a_focal_point_outside_the_picture_is_refused(owner: Membership) -> None:
    item = stored(owner, image_bytes(100, 100))
    with pytest.raises(ValidationError):
        library.do_update_media(owner.workspace, owner.user, item, alt_text="", focal_x=1.5, focal_y=0.5)


def test_a_medium_attached_to_a_post_cannot_be_deleted(owner: Membership) -> None:
    from comptoir.publishing.models import PostMedia
    from comptoir.testing.factories import PostFactory

    item = stored(owner, image_bytes(100, 100))
    PostMedia.objects.create(post=PostFactory(workspace=owner.workspace), media=item)
    with pytest.raises(ValidationError, match="attached to a post"):
        library.do_delete_media(owner.workspace, owner.user, item)
    assert Media.objects.filter(pk=item.pk).exists()
