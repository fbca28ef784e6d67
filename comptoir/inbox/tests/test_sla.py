"""SLA clocks in business hours: the pure arithmetic, the clocks the sync starts and replies stop, the
"SLA breached" filter, the chips in the list and the reply-window warning."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.inbox.actions import do_change_status, record_sent_reply
from comptoir.inbox.models import Conversation, Message, OutboundReply, SlaPolicy
from comptoir.inbox.sla import add_business_seconds, business_seconds_between
from comptoir.inbox.sync import sync_channel_inbox
from comptoir.inbox.tests.conftest import ScriptedProvider, item
from comptoir.providers.base import InboxKind, InboxPage, Published
from comptoir.testing.factories import ChannelFactory, ConversationFactory
from comptoir.workspaces.models import Membership, default_business_hours

PARIS = ZoneInfo("Europe/Paris")
HOURS = default_business_hours()  # Monday to Friday, 9:00-18:00
HOUR = 3600.0


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def test_business_time_within_one_working_day() -> None:
    assert (
        business_seconds_between(paris(2026, 3, 4, 10), paris(2026, 3, 4, 12, 30), HOURS, PARIS) == 2.5 * HOUR
    )


def test_nights_do_not_count() -> None:
    # Wednesday 17:00 → Thursday 10:00: one hour before closing, one after opening.
    assert business_seconds_between(paris(2026, 3, 4, 17), paris(2026, 3, 5, 10), HOURS, PARIS) == 2 * HOUR


def test_weekends_do_not_count() -> None:
    # Friday 17:00 → Monday 10:00.
    assert business_seconds_between(paris(2026, 3, 6, 17), paris(2026, 3, 9, 10), HOURS, PARIS) == 2 * HOUR


def test_a_message_written_at_night_waits_for_the_morning() -> None:
    assert business_seconds_between(paris(2026, 3, 4, 22), paris(2026, 3, 5, 9), HOURS, PARIS) == 0.0


def test_holidays_do_not_count() -> None:
    holiday = {date(2026, 5, 1)}  # a Friday
    start, end = paris(2026, 4, 30, 17), paris(2026, 5, 4, 10)
    assert business_seconds_between(start, end, HOURS, PARIS, holiday) == 2 * HOUR
    assert business_seconds_between(start, end, HOURS, PARIS) == 11 * HOUR


def test_hours_that_straddle_a_dst_change_count_real_time() -> None:
    # Night shift 00:00-04:00 on the Sunday clocks go forward (02:00 → 03:00): three real hours, not four.
    night = {"sun": [["00:00", "04:00"]]}
    spring = business_seconds_between(paris(2026, 3, 29, 0), paris(2026, 3, 29, 5), night, PARIS)
    autumn = business_seconds_between(paris(2026, 10, 25, 0), paris(2026, 10, 25, 5), night, PARIS)
    assert (spring, autumn) == (3 * HOUR, 5 * HOUR)


def test_business_hours_are_read_in_the_workspace_zone() -> None:
    # 8:00 UTC on a March Wednesday is 9:00 in Paris: the office has just opened.
    start = datetime(2026, 3, 4, 8, tzinfo=UTC)
    assert business_seconds_between(start, start + timedelta(hours=1), HOURS, PARIS) == HOUR


def test_a_due_time_skips_nights_and_weekends() -> None:
    # Four business hours from Friday 16:00: two on Friday, two on Monday morning.
    assert add_business_seconds(paris(2026, 3, 6, 16), 4 * HOUR, HOURS, PARIS) == paris(2026, 3, 9, 11)


def test_a_due_time_starting_at_night_starts_at_opening() -> None:
    assert add_business_seconds(paris(2026, 3, 4, 23), HOUR, HOURS, PARIS) == paris(2026, 3, 5, 10)


def test_no_business_hours_at_all_gives_no_due_time() -> None:
    assert add_business_seconds(paris(2026, 3, 4, 10), HOUR, {}, PARIS) is None


@pytest.fixture
def synced(owner: Membership, scripted: dict[int, ScriptedProvider]) -> Conversation:
    """A fan wrote on Wednesday 4 March 2026 at 10:00 (Paris) on a Facebook page."""
    channel = ChannelFactory(workspace=owner.workspace, network="facebook")
    question = item("m1", kind=InboxKind.DIRECT_MESSAGE)
    question = replace(question, created_at=paris(2026, 3, 4, 10))
    scripted[channel.pk] = ScriptedProvider({"": InboxPage(items=[question], cursor="c1")})
    sync_channel_inbox(channel)
    return Conversation.objects.get(channel=channel)


def test_the_sync_starts_both_clocks_from_the_first_message(synced: Conversation) -> None:
    assert synced.opened_at == paris(2026, 3, 4, 10)
    assert synced.first_response_due_at == paris(2026, 3, 4, 14)
    # Eighteen business hours: Wednesday 10:00-18:00, Thursday 9:00-18:00, Friday 9:00-10:00.
    assert synced.resolution_due_at == paris(2026, 3, 6, 10)


def test_the_workspace_targets_and_holidays_set_the_due_times(
    owner: Membership, scripted: dict[int, ScriptedProvider]
) -> None:
    SlaPolicy.objects.create(
        workspace=owner.workspace, first_response_minutes=60, resolution_minutes=600, holidays=["2026-03-05"]
    )
    channel = ChannelFactory(workspace=owner.workspace)
    question = item("m1")
    question = replace(question, created_at=paris(2026, 3, 4, 17, 30))
    scripted[channel.pk] = ScriptedProvider({"": InboxPage(items=[question], cursor="c1")})
    sync_channel_inbox(channel)
    conversation = Conversation.objects.get(channel=channel)
    assert conversation.first_response_due_at == paris(2026, 3, 6, 9, 30)
    # Ten hours: half an hour on Wednesday, none on the holiday, nine on Friday, half an hour on Monday.
    assert conversation.resolution_due_at == paris(2026, 3, 9, 9, 30)


def test_the_first_reply_sent_stops_the_first_response_clock(owner: Membership, synced: Conversation) -> None:
    message = Message.objects.get(conversation=synced)
    answered_at = paris(2026, 3, 4, 11)
    for remote_id in ("r1", "r2"):
        reply = OutboundReply.objects.create(
            workspace=owner.workspace,
            conversation=synced,
            in_reply_to=message,
            author=owner.user,
            text="Bonjour !",
            idempotency_key=remote_id,
        )
        record_sent_reply(reply, message, Published(remote_ids=[remote_id], published_at=answered_at))
        answered_at += timedelta(hours=1)
    synced.refresh_from_db()
    assert (synced.first_response_at, synced.first_response_by) == (paris(2026, 3, 4, 11), owner.user)


def test_done_stops_the_resolution_clock_and_reopening_restarts_it(
    owner: Membership, synced: Conversation
) -> None:
    do_change_status(synced, owner.user, Conversation.Status.DONE)
    assert synced.resolved_at is not None
    do_change_status(synced, owner.user, Conversation.Status.OPEN)
    assert synced.resolved_at is None


def test_a_new_message_on_a_done_conversation_restarts_the_resolution_clock(
    owner: Membership, synced: Conversation, scripted: dict[int, ScriptedProvider]
) -> None:
    do_change_status(synced, owner.user, Conversation.Status.DONE)
    again = item("m2", kind=InboxKind.DIRECT_MESSAGE)
    again = replace(again, created_at=paris(2026, 3, 9, 9))
    scripted[synced.channel_id] = ScriptedProvider({"c1": InboxPage(items=[again], cursor="c2")})
    sync_channel_inbox(synced.channel)
    synced.refresh_from_db()
    assert (synced.status, synced.resolved_at) == (Conversation.Status.OPEN, None)
    assert synced.resolution_due_at == paris(2026, 3, 10, 18)
    assert synced.first_response_due_at == paris(2026, 3, 4, 14)


def english(client: Client, url: str) -> str:
    return client.get(url, headers={"Accept-Language": "en"}).content.decode()


def subjects(client: Client, owner: Membership, **filters: str) -> set[str]:
    response = client.get(reverse("inbox:inbox", args=[owner.workspace.slug]), filters)
    return {row.conversation.subject for row in response.context["rows"]}


def test_the_breached_filter_lists_late_conversations_only(owner: Membership, owner_client: Client) -> None:
    now = timezone.now()
    hour = timedelta(hours=1)
    make = ConversationFactory
    make(
        contact__channel__workspace=owner.workspace, subject="Waiting, late", first_response_due_at=now - hour
    )
    make(
        contact__channel__workspace=owner.workspace,
        subject="Waiting, in time",
        first_response_due_at=now + hour,
    )
    make(
        contact__channel__workspace=owner.workspace,
        subject="Answered late",
        first_response_due_at=now - 2 * hour,
        first_response_at=now - hour,
    )
    make(
        contact__channel__workspace=owner.workspace,
        subject="Answered in time",
        first_response_due_at=now - hour,
        first_response_at=now - 2 * hour,
        resolution_due_at=now + hour,
    )
    make(contact__channel__workspace=owner.workspace, subject="Unresolved", resolution_due_at=now - hour)
    make(contact__channel__workspace=owner.workspace, subject="No clock")
    assert subjects(owner_client, owner, sla="breached") == {"Waiting, late", "Answered late", "Unresolved"}


def test_the_list_shows_due_and_overdue_chips(owner: Membership, owner_client: Client) -> None:
    now = timezone.now()
    ConversationFactory(
        contact__channel__workspace=owner.workspace,
        subject="Late",
        first_response_due_at=now - timedelta(hours=2, minutes=1),
    )
    ConversationFactory(
        contact__channel__workspace=owner.workspace,
        subject="Soon",
        first_response_due_at=now + timedelta(hours=3, minutes=1),
    )
    body = english(owner_client, reverse("inbox:inbox", args=[owner.workspace.slug]))
    assert "First response overdue by 2\xa0hours" in body
    assert "First response due in 3\xa0hours" in body


def test_the_reply_window_warns_before_it_closes(owner: Membership, owner_client: Client) -> None:
    # Messenger lets a page answer a direct message for 24 hours: 5 hours left is time to warn.
    conversation = ConversationFactory(
        contact__channel__workspace=owner.workspace,
        contact__channel__network="facebook",
        kind=Conversation.Kind.DIRECT_MESSAGE,
        last_inbound_at=timezone.now() - timedelta(hours=19),
    )
    page = english(owner_client, reverse("inbox:conversation", args=[owner.workspace.slug, conversation.id]))
    assert "Reply window closes in 4\xa0hours" in page
    listing = english(owner_client, reverse("inbox:inbox", args=[owner.workspace.slug]))
    assert "Reply window closes in" in listing


def test_a_closed_reply_window_is_shown_and_a_fresh_one_is_not(
    owner: Membership, owner_client: Client
) -> None:
    dm = {
        "contact__channel__workspace": owner.workspace,
        "contact__channel__network": "facebook",
        "kind": Conversation.Kind.DIRECT_MESSAGE,
    }
    ConversationFactory(**dm, subject="Old", last_inbound_at=timezone.now() - timedelta(hours=30))
    ConversationFactory(**dm, subject="Fresh", last_inbound_at=timezone.now() - timedelta(hours=1))
    response = owner_client.get(reverse("inbox:inbox", args=[owner.workspace.slug]))
    states = {row.conversation.subject: row.window_state for row in response.context["rows"]}
    assert states == {"Old": "closed", "Fresh": ""}
    assert "Reply window closed" in english(owner_client, reverse("inbox:inbox", args=[owner.workspace.slug]))


def test_networks_without_a_window_never_warn(owner: Membership, owner_client: Client) -> None:
    ConversationFactory(
        contact__channel__workspace=owner.workspace, last_inbound_at=timezone.now() - timedelta(days=30)
    )
    response = owner_client.get(reverse("inbox:inbox", args=[owner.workspace.slug]))
    assert [row.window_state for row in response.context["rows"]] == [""]


def test_the_targets_page_saves_hours_and_holidays(owner: Membership, owner_client: Client) -> None:
    url = reverse("inbox:sla_settings", args=[owner.workspace.slug])
    data = {"first_response_hours": "2.5", "resolution_hours": "27", "holidays": "2026-12-25\n2026-05-01"}
    assert owner_client.post(url, data).status_code == 302
    policy = SlaPolicy.objects.get(workspace=owner.workspace)
    assert (policy.first_response_minutes, policy.resolution_minutes) == (150, 1620)
    assert policy.holidays == ["2026-05-01", "2026-12-25"]
    assert owner_client.get(url).context["form"].initial["holidays"] == "2026-05-01\n2026-12-25"


def test_a_malformed_holiday_is_refused_with_a_message(owner: Membership, owner_client: Client) -> None:
    url = reverse("inbox:sla_settings", args=[owner.workspace.slug])
    data = {"first_response_hours": "4", "resolution_hours": "18", "holidays": "25/12/2026"}
    response = owner_client.post(url, data, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "“25/12/2026” is not a date written YYYY-MM-DD." in response.content.decode()
    assert not SlaPolicy.objects.exists()
