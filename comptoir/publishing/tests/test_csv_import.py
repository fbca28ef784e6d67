"""CSV bulk import: per-row report, nothing imported from a file with errors unless asked, clear file errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.channels.models import Channel
from comptoir.publishing.csv_import import MAX_ROWS, ImportFileError, check_file
from comptoir.publishing.models import Pillar, Post, PostTarget
from comptoir.testing.factories import ChannelFactory, MembershipFactory
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role

NEXT_YEAR = timezone.now().year + 1


@pytest.fixture
def mastodon(owner: Membership) -> Channel:
    return ChannelFactory(workspace=owner.workspace, network="mastodon", name="Lemoine Mastodon")


@pytest.fixture
def bluesky(owner: Membership) -> Channel:
    return ChannelFactory(workspace=owner.workspace, network="bluesky", name="Lemoine Bluesky")


def upload(client: Client, owner: Membership, content: bytes, valid_rows_only: bool = False):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {"file": SimpleUploadedFile("posts.csv", content, content_type="text/csv")}
    if valid_rows_only:
        data["valid_rows_only"] = "on"
    return client.post(reverse("publishing:calendar_import", args=[owner.workspace.slug]), data)


def test_a_clean_file_is_imported(
    owner_client: Client, owner: Membership, mastodon: Channel, bluesky: Channel
) -> None:
    Pillar.objects.create(workspace=owner.workspace, name="Coulisses")
    content = (
        "date;time;channels;text;pillar\n"
        f"{NEXT_YEAR}-06-16;09:30;Lemoine Mastodon|Lemoine Bluesky;La fournée du mardi, avec des virgules;Coulisses\n"
        f"17/06/{NEXT_YEAR};18:00;lemoine mastodon;Deuxième post;\n"
    ).encode()
    response = upload(owner_client, owner, content)
    assert response.status_code == 200
    posts = Post.objects.filter(workspace=owner.workspace).order_by("id")
    assert posts.count() == 2
    first = posts[0]
    assert first.pillar is not None and first.pillar.name == "Coulisses"
    assert {target.channel for target in first.targets.all()} == {mastodon, bluesky}
    target = first.targets.get(channel=mastodon)
    assert target.state == PostTarget.State.SCHEDULED
    assert target.due_at == datetime(NEXT_YEAR, 6, 16, 7, 30, tzinfo=UTC)  # 09:30 in Paris
    assert "2 posts are scheduled." in response.content.decode()


def test_comma_separated_with_french_headers(owner: Membership, mastodon: Channel) -> None:
    content = f'date,heure,canaux,texte\n{NEXT_YEAR}-06-16,09:30,Lemoine Mastodon,"Bonjour, tout le monde"\n'
    report = check_file(owner.workspace, content.encode("utf-8-sig"))
    assert not report.errors
    assert report.rows[0].text == "Bonjour, tout le monde"


def test_every_problem_is_reported_with_row_and_column(owner: Membership, mastodon: Channel) -> None:
    content = (
        "date;time;channels;text;pillar;media\n"
        f"{NEXT_YEAR}-13-01;9h;Lemoine Mastodon;Texte;;\n"
        f"{NEXT_YEAR}-06-16;09:30;Inconnu;Texte;Nulle part;photo.jpg\n"
        f"{NEXT_YEAR}-06-16;09:30;Lemoine Mastodon;{'é' * 501};;\n"
    )
    report = check_file(owner.workspace, content.encode())
    found = {(error.row, error.column) for error in report.errors}
    assert found == {(2, "date"), (2, "time"), (3, "channels"), (3, "pillar"), (3, "media"), (4, "text")}
    length = next(error for error in report.errors if error.row == 4)
    assert "501" in length.message and "500" in length.message
    assert report.rows == []


def test_a_time_in_the_past_is_refused(owner: Membership, mastodon: Channel) -> None:
    report = check_file(
        owner.workspace, b"date;time;channels;text\n2020-01-01;09:00;Lemoine Mastodon;Vieux\n"
    )
    assert [(error.row, error.column, error.message) for error in report.errors] == [
        (2, "date", "This time has already passed.")
    ]


def test_a_file_with_errors_imports_nothing(
    owner_client: Client, owner: Membership, mastodon: Channel
) -> None:
    content = (
        f"date;time;channels;text\n{NEXT_YEAR}-06-16;09:30;Lemoine Mastodon;Bon\n{NEXT_YEAR}-06-16;;Lemoine Mastodon;Sans heure\n"
    ).encode()
    response = upload(owner_client, owner, content)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported." in html
    assert "Write the time as 09:30." in html
    assert not Post.objects.exists()


def test_valid_rows_only_when_asked(owner_client: Client, owner: Membership, mastodon: Channel) -> None:
    content = (
        f"date;time;channels;text\n{NEXT_YEAR}-06-16;09:30;Lemoine Mastodon;Bon\n{NEXT_YEAR}-06-16;;Lemoine Mastodon;Sans heure\n"
    ).encode()
    response = upload(owner_client, owner, content, valid_rows_only=True)
    assert response.status_code == 200
    assert list(Post.objects.values_list("title", flat=True)) == ["Bon"]


def test_too_many_rows(owner: Membership, mastodon: Channel) -> None:
    rows = "".join(f"{NEXT_YEAR}-06-16;09:30;Lemoine Mastodon;Post {n}\n" for n in range(MAX_ROWS + 1))
    with pytest.raises(ImportFileError, match=f"import at most {MAX_ROWS}"):
        check_file(owner.workspace, ("date;time;channels;text\n" + rows).encode())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV text file."),
        (
            "date;time;channels;text\n2027-01-01;09:00;Lemoine;Crème brûlée\n".encode("latin-1"),
            "not in UTF-8",
        ),
        (b"when;where;what\n2027-01-01;x;y\n", "Missing columns: date, time, channels, text."),
        (b"", "The submitted file is empty."),
        (b"  \n\n", "The file is empty."),
        (b'date;time;channels;text\n2027-01-01;09:00;"Lemoine\n', "not valid CSV"),
    ],
)
def test_malformed_files_get_a_clear_message(
    content: bytes, message: str, owner_client: Client, owner: Membership
) -> None:
    response = upload(owner_client, owner, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Post.objects.exists()


def test_an_analyst_cannot_import(owner: Membership) -> None:
    analyst = MembershipFactory(workspace=owner.workspace, role=Role.ANALYST)
    client = Client()
    client.force_login(analyst.user)
    assert client.get(reverse("publishing:calendar_import", args=[owner.workspace.slug])).status_code == 403


def test_another_workspaces_channel_is_unknown(owner: Membership) -> None:
    ChannelFactory(network="mastodon", name="Chez les autres")
    report = check_file(
        owner.workspace, f"date;time;channels;text\n{NEXT_YEAR}-06-16;09:30;Chez les autres;X\n".encode()
    )
    assert [error.column for error in report.errors] == ["channels"]
