"""Image files made on the fly for the media library's tests, and a fixture keeping stored files apart."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from PIL import Image


def image_bytes(
    width: int = 800, height: int = 600, format: str = "JPEG", colour: str = "#c08040", orientation: int = 1
) -> bytes:
    image = Image.new("RGB", (width, height), colour)
    buffer = io.BytesIO()
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(buffer, format=format, exif=exif)
    else:
        image.save(buffer, format=format)
    return buffer.getvalue()


def marked_image(width: int, height: int, mark: tuple[int, int, int, int]) -> bytes:
    """A white PNG with a black rectangle (left, top, right, bottom): where it lands shows how a crop went."""
    image = Image.new("RGB", (width, height), "white")
    image.paste((0, 0, 0), mark)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def mp4_bytes(size: int = 4096) -> bytes:
    """The start of an MP4 file (an ftyp box with the isom brand); the library only sniffs and measures videos."""
    header = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
    return header + b"\x00" * (size - len(header))


@pytest.fixture
def media_root(tmp_path: Path) -> Iterator[Path]:
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


@pytest.fixture
def in_english() -> Iterator[None]:
    """Messages in their source language, whatever the French catalogue says."""
    with translation.override("en"):
        yield
