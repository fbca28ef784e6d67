"""CSV bulk import of scheduled posts: read and check every row first, then import all of them in one transaction.

A file is UTF-8 (with or without BOM), separated by `;` or `,` (guessed from the header line), with the columns
date, time, channels, text and optionally pillar and media (French headers are accepted too). Each row becomes
one post scheduled on its channels; several channels are separated by `|`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.channels.models import Channel
from comptoir.publishing.actions import check_variant, do_create_post
from comptoir.publishing.forms import publishable_channels
from comptoir.publishing.local_time import local_to_utc
from comptoir.publishing.models import Media, Pillar, Post, PostMedia
from comptoir.workspaces.models import Workspace

MAX_ROWS = 500
MAX_BYTES = 2 * 1024 * 1024
REQUIRED = ("date", "time", "channels", "text")
OPTIONAL = ("pillar", "media")
# French headers a team may type, mapped to the column they mean.
ALIASES = {"heure": "time", "canaux": "channels", "réseaux": "channels", "texte": "text", "pilier": "pillar"}
ALIASES |= {"média": "media", "médias": "media", "channel": "channels"}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%Hh%M", "%HH%M")
TITLE_LENGTH = 60


class ImportFileError(ValueError):
    """The file as a whole cannot be read: nothing in it is imported."""


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class ImportRow:
    row: int
    publish_at: datetime
    channels: list[Channel]
    text: str
    pillar: Pillar | None
    media: list[Media]


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0

    @property
    def error_rows(self) -> set[int]:
        return {error.row for error in self.errors}


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 2 MB."))
    if b"\x00" in data:
        raise ImportFileError(_("This is not a CSV text file."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("The file is not in UTF-8 (byte %(position)s): save it as “CSV UTF-8” and try again.")
            % {"position": error.start + 1}
        ) from error


def delimiter_of(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    header_line = text.lstrip().splitlines()[0]
    try:
        rows = list(csv.reader(io.StringIO(text.lstrip()), delimiter=delimiter_of(header_line), strict=True))
    except csv.Error as error:
        raise ImportFileError(_("The file is not valid CSV: %(error)s") % {"error": error}) from error
    header = [ALIASES.get(name.strip().lower(), name.strip().lower()) for name in rows[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ImportFileError(
            _("Missing columns: %(columns)s. The first line must name the columns %(expected)s.")
            % {"columns": ", ".join(missing), "expected": ", ".join(REQUIRED + OPTIONAL)}
        )
    body = [row for row in rows[1:] if any(cell.strip() for cell in row)]
    if len(body) > MAX_ROWS:
        raise ImportFileError(
            _("The file has %(count)s rows; import at most %(max)s at a time.")
            % {"count": len(body), "max": MAX_ROWS}
        )
    return header, rows[1:]


def _parse(value: str, formats: tuple[str, ...]) -> datetime | None:
    for format in formats:
        try:
            return datetime.strptime(value.strip(), format)  # noqa: DTZ007 - a wall clock, zoned by the caller
        except ValueError:
            continue
    return None


class _RowChecker:
    def __init__(self, workspace: Workspace, now: datetime) -> None:
        self.workspace = workspace
        self.now = now
        self.channels = {channel.name.casefold(): channel for channel in publishable_channels(workspace)}
        self.pillars = {
            pillar.name.casefold(): pillar for pillar in Pillar.objects.filter(workspace=workspace)
        }
        self.media = {
            item.original_name.casefold(): item for item in Media.objects.filter(workspace=workspace)
        }

    def check(self, number: int, cells: dict[str, str], errors: list[RowError]) -> ImportRow | None:
        before = len(errors)

        def fail(column: str, message: str) -> None:
            errors.append(RowError(number, column, message))

        day = _parse(cells.get("date", ""), DATE_FORMATS)
        at = _parse(cells.get("time", ""), TIME_FORMATS)
        if day is None:
            fail("date", _("Write the date as 2026-03-29 or 29/03/2026."))
        if at is None:
            fail("time", _("Write the time as 09:30."))
        moment = None
        if day is not None and at is not None:
            moment = local_to_utc(
                datetime.combine(date(day.year, day.month, day.day), time(at.hour, at.minute)),
                self.workspace.zone,
            ).utc
            if moment < self.now:
                fail("date", _("This time has already passed."))
        text = cells.get("text", "").strip()
        if not text:
            fail("text", _("The text is empty."))
        channels = []
        names = [name.strip() for name in cells.get("channels", "").split("|") if name.strip()]
        if not names:
            fail("channels", _("Name at least one channel."))
        for name in names:
            channel = self.channels.get(name.casefold())
            if channel is None:
                fail(
                    "channels",
                    _("No channel named “%(name)s” can publish in this workspace.") % {"name": name},
                )
                continue
            channels.append(channel)
            for problem in check_variant(channel, text) if text else []:
                fail("text", f"{channel.name}: {problem}")
        pillar = None
        if cells.get("pillar", "").strip():
            pillar = self.pillars.get(cells["pillar"].strip().casefold())
            if pillar is None:
                fail("pillar", _("No pillar named “%(name)s”.") % {"name": cells["pillar"].strip()})
        media = []
        for name in [name.strip() for name in cells.get("media", "").split("|") if name.strip()]:
            item = self.media.get(name.casefold())
            if item is None:
                fail("media", _("No file named “%(name)s” in the media library.") % {"name": name})
            else:
                media.append(item)
        if len(errors) > before or moment is None:
            return None
        return ImportRow(number, moment, channels, text, pillar, media)


def check_file(workspace: Workspace, data: bytes, now: datetime | None = None) -> ImportReport:
    """Reads and checks every row; raises ImportFileError when the file as a whole is unreadable."""
    header, rows = read_rows(decode(data))
    checker = _RowChecker(workspace, now or timezone.now())
    report = ImportReport()
    for offset, cells in enumerate(rows):
        if not any(cell.strip() for cell in cells):
            continue
        report.total += 1
        number = offset + 2
        if len(cells) > len(header):
            report.errors.append(
                RowError(number, "", _("This row has more cells than the header has columns."))
            )
            continue
        row = checker.check(number, dict(zip(header, cells, strict=False)), report.errors)
        if row is not None:
            report.rows.append(row)
    return report


@transaction.atomic
def do_import_rows(workspace: Workspace, actor: User, rows: list[ImportRow]) -> list[Post]:
    """Creates one scheduled post per row, all or none: a refusal on any row rolls the whole import back."""
    posts = []
    for row in rows:
        try:
            post = do_create_post(
                workspace,
                actor,
                title=row.text[:TITLE_LENGTH],
                variants=dict.fromkeys(row.channels, row.text),
                publish_at=row.publish_at,
            )
        except ValidationError as error:
            raise ValidationError(
                _("Row %(row)s: %(error)s") % {"row": row.row, "error": " ".join(error.messages)}
            ) from error
        if row.pillar is not None:
            post.pillar = row.pillar
            post.save(update_fields=["pillar"])
        for position, item in enumerate(row.media):
            PostMedia.objects.create(post=post, media=item, position=position)
        posts.append(post)
    return posts
