"""The media library: checking and storing uploads, per-network renditions, and what a network accepts."""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from PIL import (
    ExifTags,
    GifImagePlugin,
    Image,
    ImageOps,
    JpegImagePlugin,
    PngImagePlugin,
    UnidentifiedImageError,
    WebPImagePlugin,
)

from comptoir.accounts.models import User
from comptoir.providers.capabilities import ImagePreset
from comptoir.providers.networks import CAPABILITIES, IMAGE_PRESETS, MB
from comptoir.publishing.models import Media, MediaRendition
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Workspace

MAX_IMAGE_BYTES = 25 * MB
MAX_VIDEO_BYTES = 300 * MB
# 40 megapixels: a 24 MP camera fits, a decompression bomb (a few KB inflating to gigabytes) does not.
MAX_PIXELS = 40_000_000
# Pillow warns past MAX_IMAGE_PIXELS and refuses past twice that; we refuse past it, with our own message.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
PIL_FORMATS = {mime: name for name, mime in IMAGE_TYPES.items()}
HEADER_READERS = (
    PngImagePlugin.PngImageFile,
    JpegImagePlugin.JpegImageFile,
    WebPImagePlugin.WebPImageFile,
    GifImagePlugin.GifImageFile,
)
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "video/mp4": "mp4",
}
# ISO base media brands of MP4 files (ftyp box); QuickTime ("qt  ") and others are not MP4.
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash"}
# iPhones' default photo format (and AVIF) share the ISO media box structure with MP4.
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
JPEG_QUALITIES = (88, 80, 70, 60)
SHRINK_STEP = 0.8
SMALLEST_SIDE = 320
# The library's own rendition: the thumbnail its pages and the composer's preview show.
THUMBNAIL = "thumb"
THUMBNAIL_PRESET = ImagePreset(max_side=640, max_bytes=1 * MB)
WEB_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
MEDIA_FIELDS = ["original_name", "kind", "mime_type", "size_bytes", "width", "height", "alt_text"]


# Uploads ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """What sniffing an upload found: the type from its content (never from its name or the browser)."""

    kind: str
    mime_type: str
    width: int | None = None
    height: int | None = None


def _too_big(limit: int) -> str:
    return _("This file is larger than the %(size)d MB allowed.") % {"size": limit // MB}


def sniff(content: bytes) -> Upload:
    """Identifies an image (JPEG, PNG, WebP, GIF) or an MP4 video by its bytes, decoding images completely
    so that a truncated or corrupt file is refused now rather than by the network later."""
    if content[4:8] == b"ftyp" and content[8:12] in MP4_BRANDS:
        return Upload(Media.Kind.VIDEO, "video/mp4")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            if image.format not in IMAGE_TYPES:
                raise ValidationError(_("Only JPEG, PNG, WebP and GIF images, and MP4 videos, are accepted."))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_too_many_pixels(image.width, image.height))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(_too_many_pixels(*_dimensions(content))) from error
    except UnidentifiedImageError as error:
        raise ValidationError(
            _("This file is neither an image (JPEG, PNG, WebP, GIF) nor an MP4 video.")
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ValidationError(_("This image is damaged or incomplete; export it again.")) from error
    width, height = ImageOps.exif_transpose(image).size
    return Upload(Media.Kind.IMAGE, IMAGE_TYPES[image.format], width, height)


def _dimensions(content: bytes) -> tuple[int, int]:
    """A bomb's size read from its header alone. The format's own class is used directly because
    Image.open refuses it, and lifting the process-wide limit would expose the other threads."""
    for image_class in HEADER_READERS:
        try:
            return image_class(io.BytesIO(content)).size
        except (OSError, SyntaxError, ValueError):
            continue
    return 0, 0


def _too_many_pixels(width: int, height: int) -> str:
    return _(
        "This image is %(width)d × %(height)d pixels; %(limit)d megapixels at most are accepted. "
        "Resize it before uploading."
    ) % {"width": width, "height": height, "limit": MAX_PIXELS // 1_000_000}


def _oriented(content: bytes, mime_type: str) -> bytes:
    """The image turned the way its EXIF orientation says, so that every rendition and preview stands upright;
    unchanged when it is already upright (and for GIFs, whose frames the rotation would drop)."""
    if mime_type == "image/gif":
        return content
    image = Image.open(io.BytesIO(content))
    if image.getexif().get(ExifTags.Base.Orientation, 1) == 1:
        return content
    upright = ImageOps.exif_transpose(image)
    return _encode(upright, mime_type, JPEG_QUALITIES[0])


@dataclass(frozen=True)
class Uploaded:
    media: Media
    created: bool


@transaction.atomic
def do_upload_media(
    workspace: Workspace, actor: User, upload: UploadedFile[bytes], alt_text: str = ""
) -> Uploaded:
    """Checks and stores an upload; the same file uploaded twice in a workspace is the same medium."""
    size = upload.size or 0
    if size > max(MAX_IMAGE_BYTES, MAX_VIDEO_BYTES):
        raise ValidationError(_too_big(MAX_VIDEO_BYTES))
    if size == 0:
        raise ValidationError(_("This file is empty."))
    head = next(upload.chunks(64), b"")
    upload.seek(0)
    is_video = head[4:8] == b"ftyp"
    if not is_video and size > MAX_IMAGE_BYTES:
        raise ValidationError(_too_big(MAX_IMAGE_BYTES))
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    existing = Media.objects.filter(workspace=workspace, sha256=digest.hexdigest()).first()
    if existing is not None:
        return Uploaded(existing, created=False)
    if is_video:
        # An ISO media file that is not MP4 (QuickTime, 3GP, HEIF…): sniffing it as an image would only confuse.
        if head[8:12] in HEIF_BRANDS:
            raise ValidationError(
                _(
                    "HEIC and AVIF photos are not accepted: export the photo as JPEG (most phones can) and upload it."
                )
            )
        if head[8:12] not in MP4_BRANDS:
            raise ValidationError(_("Only MP4 videos are accepted."))
        found = Upload(Media.Kind.VIDEO, "video/mp4")
        stored: ContentFile[bytes] | UploadedFile[bytes] = upload
    else:
        content = upload.read()
        found = sniff(content)
        upright = _oriented(content, found.mime_type)
        size = len(upright)
        stored = ContentFile(upright)
    name = _safe_name(upload.name or "media", found.mime_type)
    media = Media(
        workspace=workspace,
        uploaded_by=actor,
        original_name=(upload.name or name)[:255],
        kind=found.kind,
        mime_type=found.mime_type,
        size_bytes=size,
        width=found.width,
        height=found.height,
        sha256=digest.hexdigest(),
        alt_text=alt_text.strip(),
    )
    media.file.save(name, stored, save=False)
    try:
        media.save()
        audit.record_create(workspace, actor, media, MEDIA_FIELDS)
        rendition_for(media, THUMBNAIL)
    except Exception:
        # The transaction rolls the rows back; the files are ours to remove.
        for rendition in media.renditions.all() if media.pk else []:
            rendition.file.delete(save=False)
        media.file.delete(save=False)
        raise
    return Uploaded(media, created=True)


def _safe_name(name: str, mime_type: str) -> str:
    # The stored name is ours: the upload's own name may hold path separators or a misleading extension.
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.rsplit(".", 1)[0])[:60].strip("-")
    return f"{stem or 'media'}.{EXTENSIONS[mime_type]}"


@transaction.atomic
def do_update_media(
    workspace: Workspace, actor: User, media: Media, *, alt_text: str, focal_x: float, focal_y: float
) -> Media:
    """Changes the alt text and the focal point; renditions cropped around the old point are dropped."""
    if media.workspace_id != workspace.pk:
        raise ValidationError(_("This medium belongs to another workspace."))
    before = audit.snapshot(media, ["alt_text", "focal_x", "focal_y"])
    media.alt_text, media.focal_x, media.focal_y = alt_text.strip(), focal_x, focal_y
    media.full_clean()
    media.save(update_fields=["alt_text", "focal_x", "focal_y"])
    if (focal_x, focal_y) != (before["focal_x"], before["focal_y"]):
        _drop_renditions(media, only_cropped=True)
    changes = audit.changed(before, audit.snapshot(media, ["alt_text", "focal_x", "focal_y"]))
    audit.record(workspace, actor, AuditEntry.Action.UPDATE, media, changes)
    return media


@transaction.atomic
def do_delete_media(workspace: Workspace, actor: User, media: Media) -> None:
    if media.workspace_id != workspace.pk:
        raise ValidationError(_("This medium belongs to another workspace."))
    if media.attachments.exists():
        raise ValidationError(_("This medium is attached to a post: remove it from the post first."))
    audit.record(workspace, actor, AuditEntry.Action.DELETE, media)
    _drop_renditions(media)
    name = media.file.name
    media.delete()
    if name:
        _delete_after_commit(name)


def _drop_renditions(media: Media, only_cropped: bool = False) -> None:
    for rendition in list(media.renditions.all()):
        if only_cropped and not _crops(rendition.preset):
            continue
        name = rendition.file.name
        rendition.delete()
        if name:
            _delete_after_commit(name)


def _delete_after_commit(name: str) -> None:
    # Files go only once the rows are gone for good: a rolled-back delete must not lose them.
    storage = Media.file.field.storage
    transaction.on_commit(lambda: storage.delete(name))


# Renditions ------------------------------------------------------------------------------------------------


def crop_box(
    width: int, height: int, min_ratio: float | None, max_ratio: float | None, focal_x: float, focal_y: float
) -> tuple[int, int, int, int]:
    """The largest box of the image within the accepted aspect ratios (width / height), centred on the focal
    point as far as the image's edges allow."""
    ratio = width / height
    if min_ratio is not None and ratio < min_ratio:
        kept = max(1, min(height, round(width / min_ratio)))
        top = min(max(0, round(focal_y * height - kept / 2)), height - kept)
        return 0, top, width, top + kept
    if max_ratio is not None and ratio > max_ratio:
        kept = max(1, min(width, round(height * max_ratio)))
        left = min(max(0, round(focal_x * width - kept / 2)), width - kept)
        return left, 0, left + kept, height
    return 0, 0, width, height


@dataclass(frozen=True)
class Rendered:
    content: bytes
    mime_type: str
    width: int
    height: int


def render(
    content: bytes,
    original_type: str,
    preset: ImagePreset,
    accepted: frozenset[str],
    focal: tuple[float, float],
) -> Rendered:
    """The image as the preset wants it: cropped to its aspect ratios around the focal point, no longer than
    its longest side, in the original's format when the network takes it, and small enough in bytes."""
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(content)))
    box = crop_box(image.width, image.height, preset.min_aspect_ratio, preset.max_aspect_ratio, *focal)
    untouched = box == (0, 0, image.width, image.height) and max(image.size) <= preset.max_side
    if (
        original_type == "image/gif"
        and original_type in accepted
        and untouched
        and len(content) <= preset.max_bytes
    ):
        # An animated GIF keeps its frames only when it goes out as it came in.
        return Rendered(content, original_type, image.width, image.height)
    if original_type in accepted and original_type != "image/gif":
        mime_type = original_type
    elif original_type == "image/gif" and "image/png" in accepted:
        # A GIF that has to change goes out as a PNG of its first frame, keeping its transparency.
        mime_type = "image/png"
    else:
        mime_type = preset.fallback_type
    frame = image.crop(box)
    if frame.mode not in ("RGB", "RGBA", "L"):
        # Palette, CMYK, 16-bit and other modes: encoders and resampling take these three.
        frame = frame.convert("RGBA" if "A" in frame.mode or frame.mode == "P" else "RGB")
    frame.thumbnail((preset.max_side, preset.max_side), Image.Resampling.LANCZOS)
    if mime_type == "image/png":
        data = _encode(frame, mime_type, 0)
        if len(data) <= preset.max_bytes:
            return Rendered(data, mime_type, frame.width, frame.height)
        # A photograph saved as PNG: as JPEG it keeps its full size in a fraction of the bytes.
        mime_type = preset.fallback_type
    encoded = _fit(frame, mime_type, preset.max_bytes)
    if encoded is None:
        raise ValidationError(_("This image cannot be made small enough for the network."))
    data, size = encoded
    return Rendered(data, mime_type, *size)


def _fit(image: Image.Image, mime_type: str, max_bytes: int) -> tuple[bytes, tuple[int, int]] | None:
    """Encodes, lowering the quality then the size until the bytes fit; None when even the smallest fails."""
    while True:
        for quality in JPEG_QUALITIES:
            data = _encode(image, mime_type, quality)
            if len(data) <= max_bytes:
                return data, image.size
        if max(image.size) * SHRINK_STEP < SMALLEST_SIDE:
            return None
        image = image.resize(
            (max(1, round(image.width * SHRINK_STEP)), max(1, round(image.height * SHRINK_STEP))),
            Image.Resampling.LANCZOS,
        )


def _encode(image: Image.Image, mime_type: str, quality: int) -> bytes:
    if mime_type == "image/jpeg" and image.mode not in ("RGB", "L"):
        flat = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode == "P":
        image = image.convert("RGBA")
    buffer = io.BytesIO()
    options: dict[str, object] = (
        {"quality": quality} if mime_type in ("image/jpeg", "image/webp") else {"optimize": True}
    )
    image.save(buffer, format=PIL_FORMATS[mime_type], **options)
    return buffer.getvalue()


def _crops(preset_name: str) -> bool:
    """Whether the preset may crop, so that its rendition depends on the focal point."""
    preset = IMAGE_PRESETS.get(preset_name)
    return preset is not None and (preset.min_aspect_ratio is not None or preset.max_aspect_ratio is not None)


def rendition_for(media: Media, network: str) -> MediaRendition | None:
    """The medium's rendition for `network`, computed and stored the first time (or after the focal point
    moved); None for videos and for networks without an image preset."""
    preset = THUMBNAIL_PRESET if network == THUMBNAIL else IMAGE_PRESETS.get(network)
    if not media.is_image or preset is None:
        return None
    stored = media.renditions.filter(preset=network).first()
    if stored is not None and (
        not _crops(network) or (stored.focal_x, stored.focal_y) == (media.focal_x, media.focal_y)
    ):
        return stored
    with media.file.open("rb") as original:
        content = original.read()
    accepted = WEB_TYPES if network == THUMBNAIL else CAPABILITIES[network].media.image_types
    try:
        rendered = render(content, media.mime_type, preset, accepted, (media.focal_x, media.focal_y))
    except (OSError, ValueError) as error:
        raise ValidationError(_("This image cannot be processed; export it again as JPEG or PNG.")) from error
    rendition = stored or MediaRendition(media=media, preset=network)
    old_file = rendition.file.name if stored is not None else ""
    rendition.mime_type, rendition.width, rendition.height = (
        rendered.mime_type,
        rendered.width,
        rendered.height,
    )
    rendition.size_bytes = len(rendered.content)
    rendition.focal_x, rendition.focal_y = media.focal_x, media.focal_y
    rendition.file.save(
        f"{network}.{EXTENSIONS[rendered.mime_type]}", ContentFile(rendered.content), save=False
    )
    try:
        with transaction.atomic():
            rendition.save()
    except IntegrityError:
        # Another worker stored the same rendition first: use theirs.
        rendition.file.delete(save=False)
        return media.renditions.get(preset=network)
    if old_file:
        rendition.file.storage.delete(old_file)
    return rendition


# What a network accepts -------------------------------------------------------------------------------------


def check_media(media: Sequence[Media], network: str) -> list[str]:
    """What would make `network` refuse these attachments; the composer shows it and refuses to schedule."""
    caps = CAPABILITIES.get(network)
    if caps is None:
        return []
    rules, label = caps.media, caps.label
    images = [item for item in media if item.is_image]
    videos = [item for item in media if not item.is_image]
    problems = []
    if rules.media_required and not media:
        problems.append(_("%(network)s needs an image or a video.") % {"network": label})
    if images and not rules.image_types:
        problems.append(_("%(network)s does not take images.") % {"network": label})
    elif len(images) > rules.max_images:
        problems.append(
            _("%(network)s takes %(limit)d image(s) per post; %(count)d are attached.")
            % {"network": label, "limit": rules.max_images, "count": len(images)}
        )
    if videos and (not rules.video_types or rules.max_videos == 0):
        problems.append(_("%(network)s does not take videos.") % {"network": label})
    elif len(videos) > rules.max_videos:
        problems.append(
            _("%(network)s takes %(limit)d video(s) per post; %(count)d are attached.")
            % {"network": label, "limit": rules.max_videos, "count": len(videos)}
        )
    elif videos:
        for video in videos:
            if video.mime_type not in rules.video_types:
                problems.append(_("%(network)s does not take this kind of video.") % {"network": label})
            elif video.size_bytes > rules.max_video_bytes:
                problems.append(
                    _("“%(name)s” is larger than the %(size)d MB %(network)s takes.")
                    % {"name": video, "size": rules.max_video_bytes // MB, "network": label}
                )
    if images and videos and not rules.mixed_media:
        problems.append(_("%(network)s cannot mix images and a video in one post.") % {"network": label})
    for item in images if rules.image_types else []:
        if rules.alt_text and not item.alt_text.strip():
            problems.append(
                _("“%(name)s” needs an alt text on %(network)s: describe the image in the media library.")
                % {"name": item, "network": label}
            )
        elif rules.alt_text_limit and len(item.alt_text) > rules.alt_text_limit:
            problems.append(
                _("The alt text of “%(name)s” is longer than the %(limit)d characters %(network)s allows.")
                % {"name": item, "limit": rules.alt_text_limit, "network": label}
            )
    return problems
