"""The demo: two French workspaces with a team and content, so a newcomer sees Comptoir as a CM would use it.

The content (comptoir.demo_content) goes through the same action functions as the app wherever one exists, so
audit entries, counters, SLA clocks and classifications are real. Nothing here can reach a network: channels
are stored as "reconnect needed" with placeholder credentials, and no target is ever `scheduled` (the
publisher only picks those up). Every step is keyed on a natural name, so running the demo again adds nothing.
"""

from __future__ import annotations

import io
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from comptoir.accounts.models import User
from comptoir.channels.actions import AUDITED_FIELDS as CHANNEL_FIELDS
from comptoir.channels.models import Channel
from comptoir.demo_content import (
    BAKERY_CONTENT,
    PUBLISH_FAILURE,
    RECONNECT_MESSAGE,
    TOWN_HALL_CONTENT,
    ChannelSeed,
    ConversationSeed,
    ImageSeed,
    PostSeed,
    Stage,
    WorkspaceContent,
)
from comptoir.inbox import actions as inbox_actions
from comptoir.inbox.models import Department, Label, Message, OutboundReply, SavedReply, SlaPolicy
from comptoir.inbox.routing import do_create_department, do_route
from comptoir.inbox.sla import Clock
from comptoir.inbox.sync import classify_messages, moderate_new_messages, store_item
from comptoir.moderation.actions import do_save_rule
from comptoir.moderation.models import Rule
from comptoir.moderation.rules import check_action, check_condition
from comptoir.providers.base import Author, InboxItem, Published
from comptoir.publishing import approvals, editorial, keydates, slots
from comptoir.publishing.actions import do_create_post
from comptoir.publishing.media import do_upload_media
from comptoir.publishing.models import (
    Campaign,
    Media,
    Pillar,
    Post,
    PostTarget,
    PublishAttempt,
    QueueSlot,
    ToneRules,
)
from comptoir.workspaces import actions, audit
from comptoir.workspaces.models import Membership, Workspace
from comptoir.workspaces.permissions import Role

WORKSPACES = [
    {
        "name": "Boulangerie Lemoine",
        "slug": "boulangerie-lemoine",
        "time_zone": "Europe/Paris",
        "country": "FR",
        "languages": ["fr", "en"],
        "business_hours": {
            "mon": [],
            "tue": [["07:00", "13:00"], ["15:30", "19:30"]],
            "wed": [["07:00", "13:00"], ["15:30", "19:30"]],
            "thu": [["07:00", "13:00"], ["15:30", "19:30"]],
            "fri": [["07:00", "13:00"], ["15:30", "19:30"]],
            "sat": [["07:00", "19:30"]],
            "sun": [["07:00", "13:00"]],
        },
    },
    {
        "name": "Mairie de Saint-Aubin-sur-Loire",
        "slug": "mairie-saint-aubin",
        "time_zone": "Europe/Paris",
        "country": "FR",
        "languages": ["fr"],
        "business_hours": {
            "mon": [["08:30", "12:00"], ["13:30", "17:30"]],
            "tue": [["08:30", "12:00"], ["13:30", "17:30"]],
            "wed": [["08:30", "12:00"]],
            "thu": [["08:30", "12:00"], ["13:30", "17:30"]],
            "fri": [["08:30", "12:00"], ["13:30", "16:30"]],
            "sat": [["09:00", "12:00"]],
            "sun": [],
        },
    },
]

TEAM = [
    ("julien.moreau@lemoine.example", "Julien Moreau", Role.EDITOR),
    ("sarah.benali@lemoine.example", "Sarah Benali", Role.MODERATOR),
    ("nadia.petit@agence-levain.example", "Nadia Petit", Role.ANALYST),
    ("m.lemoine@lemoine.example", "Marc Lemoine", Role.REVIEWER),
]
PENDING_INVITATIONS = [("stagiaire.com@lemoine.example", Role.EDITOR)]
TOWN_HALL_TEAM = [("service.communication@saint-aubin.example", "Élise Fournier", Role.ADMIN)]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str


def _person(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        # Team members cannot log in: only the demo account can.
        user = User.objects.create_user(email, None, full_name=full_name)
    return user


def _workspace(owner: User, fields: Mapping[str, Any]) -> Workspace:
    existing = Workspace.objects.filter(slug=fields["slug"]).first()
    if existing is not None:
        Membership.objects.get_or_create(workspace=existing, user=owner, defaults={"role": Role.OWNER})
        return existing
    return actions.do_create_workspace(owner, **fields)


def _add_team(workspace: Workspace, owner: User, team: list[tuple[str, str, Role]]) -> None:
    for email, full_name, role in team:
        person = _person(email, full_name)
        if not Membership.objects.filter(workspace=workspace, user=person).exists():
            invitation, _token = actions.do_invite_member(workspace, owner, Role.OWNER, email, role)
            actions.do_accept_invitation(invitation, person)


# Content ---------------------------------------------------------------------------------------------------

# Who does what in the bakery: the editor writes, the owner of the bakery reviews, the moderator answers.
AUTHOR = "julien.moreau@lemoine.example"
REVIEWER = "m.lemoine@lemoine.example"
REPLIER = "sarah.benali@lemoine.example"
IMAGE_SIZE = (720, 900)
# The publisher's usual delays after the due time, cycled through published targets (seconds).
PUBLISH_DELAYS = (2, 4, 3, 7, 2, 12, 5, 3, 95, 4)


def _member(workspace: Workspace, email: str, owner: User) -> User:
    """A member of the workspace by e-mail; the demo account for "owner" (or an address nobody has)."""
    membership = (
        Membership.objects.filter(workspace=workspace, user__email=email).select_related("user").first()
    )
    return membership.user if membership is not None else owner


def _local(workspace: Workspace, day: int, at: str, today: date) -> datetime:
    """`at` on the clock of the workspace, `day` days from `today`, as a UTC instant."""
    moment = datetime.combine(today + timedelta(days=day), time.fromisoformat(at), tzinfo=workspace.zone)
    return moment.astimezone(UTC)


def _channels(workspace: Workspace, owner: User, seeds: tuple[ChannelSeed, ...]) -> dict[str, Channel]:
    """Stored without connecting (no network is asked): placeholder credentials and "reconnect needed", so
    the channels page tells the CM to connect their real accounts and no job ever uses these."""
    channels = {}
    for seed in seeds:
        channel = Channel.objects.filter(
            workspace=workspace, network=seed.network, account_id=seed.account_id
        ).first()
        if channel is None:
            channel = Channel(
                workspace=workspace,
                network=seed.network,
                account_id=seed.account_id,
                name=seed.name,
                handle=seed.handle,
                status=Channel.Status.RECONNECT,
                last_error=RECONNECT_MESSAGE,
                last_error_at=timezone.now(),
            )
            channel.credentials = {"placeholder": "demo"}
            channel.save()
            audit.record_create(workspace, owner, channel, CHANNEL_FIELDS)
        channels[seed.network] = channel
    return channels


def _editorial_line(workspace: Workspace, owner: User, content: WorkspaceContent) -> dict[str, Pillar]:
    for position, seed in enumerate(content.pillars):
        if not Pillar.objects.filter(workspace=workspace, name=seed.name).exists():
            pillar = Pillar(
                workspace=workspace,
                name=seed.name,
                description=seed.description,
                color=seed.color,
                target_share=seed.target_share,
                position=position,
            )
            editorial.do_save_pillar(workspace, owner, pillar)
    if not ToneRules.objects.filter(workspace=workspace).exists():
        rules = ToneRules(
            workspace=workspace,
            forbidden=content.forbidden,
            required=content.required,
            emoji_policy=content.emoji_policy,
            emoji_max=content.emoji_max,
            languages=list(workspace.languages),
        )
        editorial.do_update_tone_rules(workspace, owner, rules)
    return {pillar.name: pillar for pillar in Pillar.objects.filter(workspace=workspace)}


def _next_occurrence(first: str, last: str, today: date) -> tuple[date, date]:
    """The yearly period ("MM-DD" to "MM-DD") running now or coming next."""
    year = today.year
    if date.fromisoformat(f"{year}-{last}") < today:
        year += 1
    return date.fromisoformat(f"{year}-{first}"), date.fromisoformat(f"{year}-{last}")


def _calendar(
    workspace: Workspace, owner: User, content: WorkspaceContent, channels: dict[str, Channel], today: date
) -> None:
    for name, first, last, colour in content.campaigns:
        if not Campaign.objects.filter(workspace=workspace, name=name).exists():
            starts_on, ends_on = _next_occurrence(first, last, today)
            campaign = Campaign(
                workspace=workspace, name=name, starts_on=starts_on, ends_on=ends_on, color=colour
            )
            keydates.do_save_campaign(workspace, owner, campaign)
    for network, weekday, at in content.queue_slots:
        moment = time.fromisoformat(at)
        channel = channels[network]
        if not QueueSlot.objects.filter(channel=channel, weekday=weekday, local_time=moment).exists():
            slots.do_add_slot(workspace, owner, channel, weekday, moment)
    if content.approval_required:
        approvals.do_set_approval_required(workspace, owner, True)


def _image_bytes(seed: ImageSeed) -> bytes:
    """A plain picture drawn here (the same bytes on every run, so the media library keeps one copy)."""
    image = Image.new("RGB", IMAGE_SIZE, seed.background)
    draw = ImageDraw.Draw(image)
    width, height = IMAGE_SIZE
    draw.ellipse((width // 4, height // 5, width * 3 // 4, height // 5 + width // 2), fill=seed.motif)
    font = ImageFont.load_default(size=72)
    text_width = draw.textlength(seed.caption, font=font)
    draw.text(((width - text_width) / 2, height * 3 // 4), seed.caption, fill=seed.motif, font=font)
    output = io.BytesIO()
    image.save(output, "JPEG", quality=80)
    return output.getvalue()


def _media(workspace: Workspace, owner: User, seeds: tuple[ImageSeed, ...]) -> dict[str, Media]:
    media = {}
    for seed in seeds:
        upload = SimpleUploadedFile(f"{seed.name}.jpg", _image_bytes(seed), "image/jpeg")
        media[seed.name] = do_upload_media(workspace, owner, upload, seed.alt_text).media
    return media


def _publish_history(post: Post, due_at: datetime, failed_on: str) -> None:
    """What the publisher would have left after publishing the post at `due_at`: each target published (or
    refused, on `failed_on`) and its attempt in the ledger. Written directly: the publisher calls networks."""
    for target in post.targets.select_related("channel"):
        network = target.channel.network
        delay = timedelta(seconds=PUBLISH_DELAYS[(post.pk + target.pk) % len(PUBLISH_DELAYS)])
        attempt = PublishAttempt(
            target=target,
            started_at=due_at,
            finished_at=due_at + delay,
            worker="demo",
            request_id=uuid.uuid4().hex,
        )
        fields: dict[str, Any] = {"due_at": due_at, "attempts": 1, "claimed_by": "demo", "claimed_at": due_at}
        if network == failed_on:
            error = PUBLISH_FAILURE
            attempt.outcome, attempt.error = PublishAttempt.Outcome.FAILED, error
            fields |= {
                "state": PostTarget.State.FAILED,
                "failure_reason": PostTarget.FailureReason.AUTH_REVOKED,
                "last_error": error,
            }
        else:
            remote_id = f"demo-{post.pk}-{target.pk}"
            attempt.outcome, attempt.remote_id = PublishAttempt.Outcome.PUBLISHED, remote_id
            attempt.response_summary = "201 Created"
            fields |= {
                "state": PostTarget.State.PUBLISHED,
                "remote_id": remote_id,
                "remote_url": f"https://{network}.example/{target.channel.handle.strip('@#')}/{remote_id}",
                "published_at": due_at + delay,
            }
        attempt.save()
        PostTarget.objects.filter(pk=target.pk).update(**fields)


def _post(
    workspace: Workspace,
    owner: User,
    seed: PostSeed,
    context: tuple[dict[str, Channel], dict[str, Pillar], dict[str, Media]],
    today: date,
) -> None:
    channels, pillars, media = context
    post = do_create_post(
        workspace,
        _member(workspace, AUTHOR, owner),
        title=seed.title,
        variants={channels[network]: text for network, text in seed.texts.items()},
        internal_note=seed.internal_note,
        pillar=pillars[seed.pillar],
        media=[media[seed.image]] if seed.image else [],
    )
    due_at = _local(workspace, seed.day, seed.at, today)
    if seed.stage in (Stage.PUBLISHED, Stage.FAILED):
        _publish_history(post, due_at, seed.failed_on)
    else:
        _review(post, seed, owner, due_at)


def _review(post: Post, seed: PostSeed, owner: User, due_at: datetime) -> None:
    """Takes the post through the review workflow as far as its seed says, with the reviewer's words."""
    author = post.author or owner
    approver = _member(post.workspace, REVIEWER, owner)
    reviewer = approvals.Reviewer.member(approver)
    if seed.stage == Stage.IN_REVIEW:
        approvals.do_submit_for_review(post, author, reviewers=[approver], planned_at=due_at)
        approvals.do_comment(post, reviewer, seed.review_comment)
        if seed.review_link:
            approvals.do_create_review_link(post, owner, label=seed.review_link)
    elif seed.stage == Stage.APPROVED:
        approvals.do_submit_for_review(post, author)
        approvals.do_approve(post, reviewer, "Parfait, on publie.")
    elif seed.changes_requested:
        approvals.do_submit_for_review(post, author)
        approvals.do_request_changes(post, reviewer, seed.changes_requested)
    if seed.stage in (Stage.DRAFT, Stage.APPROVED):
        # The planned day the calendar shows. Approving with a planned time would schedule the targets, and
        # the publisher would then call the placeholder channels: the day is written on the targets instead.
        post.targets.update(due_at=due_at)


def _posts(
    workspace: Workspace,
    owner: User,
    content: WorkspaceContent,
    channels: dict[str, Channel],
    pillars: dict[str, Pillar],
    today: date,
) -> None:
    media = _media(workspace, owner, content.images)
    existing = set(Post.objects.filter(workspace=workspace).values_list("title", flat=True))
    for seed in content.posts:
        if seed.title not in existing:
            _post(workspace, owner, seed, (channels, pillars, media), today)


def _inbox_settings(workspace: Workspace, owner: User, content: WorkspaceContent) -> None:
    """Labels, saved replies, SLA targets, departments and moderation rules: all before the first message,
    so its SLA clocks and the rules apply to it as they would after a sync."""
    for name, colour in content.labels:
        if not Label.objects.filter(workspace=workspace, name=name).exists():
            inbox_actions.do_create_label(workspace, owner, name, colour)
    for title, body, language, shortcut in content.saved_replies:
        if not SavedReply.objects.filter(workspace=workspace, title=title).exists():
            inbox_actions.do_create_saved_reply(workspace, owner, title, body, language, shortcut)
    if not SlaPolicy.objects.filter(workspace=workspace).exists():
        holidays = [date(timezone.now().year, 12, 25), date(timezone.now().year + 1, 1, 1)]
        inbox_actions.do_set_sla_policy(
            workspace, owner, content.first_response_minutes, content.resolution_minutes, holidays
        )
    for name, email in content.departments:
        if not Department.objects.filter(workspace=workspace, name=name).exists():
            do_create_department(workspace, owner, name, email, "")
    targets = {
        "label": {label.name: label.pk for label in Label.objects.filter(workspace=workspace)},
        "route": {
            department.name: department.pk for department in Department.objects.filter(workspace=workspace)
        },
    }
    for rule in content.rules:
        if Rule.objects.filter(workspace=workspace, name=rule.name).exists():
            continue
        fields = {
            "name": rule.name,
            "enabled": True,
            "match": rule.match,
            "stop": rule.stop,
            "conditions": [
                check_condition(kind, argument, value) for kind, argument, value in rule.conditions
            ],
            "actions": [
                check_action(kind, targets[kind][name] if name else None) for kind, name in rule.actions
            ],
        }
        do_save_rule(workspace, owner, None, fields)


def _store_conversation(channel: Channel, seed: ConversationSeed, clock: Clock, now: datetime) -> list[int]:
    """Stores the person's messages as the sync would; the ids of those new to the database."""
    handle, name = seed.author
    author = Author(external_id=handle, handle=handle if " " not in name else "", display_name=name)
    created_ids = []
    for index, (hours_ago, text) in enumerate(seed.messages):
        item = InboxItem(
            external_id=f"demo-{seed.key}-{index}",
            kind=seed.kind,
            author=author,
            text=text,
            created_at=now - timedelta(hours=hours_ago),
            thread_id=f"demo-{seed.key}",
            title=seed.title,
        )
        message, created = store_item(channel, item, clock)
        if created:
            created_ids.append(message.pk)
    return created_ids


def _record_reply(message: Message, author: User, text: str) -> None:
    """A reply the network accepted 35 minutes after the message, in the ledger as `send_reply` leaves it."""
    sent_at = message.created_at + timedelta(minutes=35)
    reply = OutboundReply.objects.create(
        workspace_id=message.workspace_id,
        conversation_id=message.conversation_id,
        in_reply_to=message,
        author=author,
        text=text,
        idempotency_key=uuid.uuid4().hex,
        attempts=1,
        last_attempt_at=sent_at,
    )
    audit.record_create(message.workspace, author, reply, ["conversation", "in_reply_to", "text"])
    inbox_actions.record_sent_reply(
        reply, message, Published(remote_ids=[f"{message.external_id}-reply"], published_at=sent_at)
    )


def _follow_up(workspace: Workspace, owner: User, seed: ConversationSeed, channel: Channel) -> None:
    """What the team did with a conversation: labels, assignee, note, reply, routing, status."""
    messages = list(Message.objects.filter(channel=channel, external_id__startswith=f"demo-{seed.key}-"))
    conversation = messages[0].conversation
    last = messages[-1]
    assignee = _member(workspace, seed.assignee, owner) if seed.assignee else None
    for name in seed.labels:
        inbox_actions.do_add_label(conversation, owner, Label.objects.get(workspace=workspace, name=name))
    if assignee is not None:
        inbox_actions.do_assign(conversation, owner, assignee)
    if seed.note:
        inbox_actions.do_add_note(conversation, assignee or owner, seed.note)
    if seed.reply:
        _record_reply(last, _member(workspace, REPLIER, owner), seed.reply)
    if seed.route_to:
        department = Department.objects.get(workspace=workspace, name=seed.route_to)
        do_route(last, department, owner, seed.title)
    if seed.status != conversation.status:
        inbox_actions.do_change_status(conversation, assignee or owner, seed.status)


def _inbox(
    workspace: Workspace, owner: User, content: WorkspaceContent, channels: dict[str, Channel]
) -> None:
    _inbox_settings(workspace, owner, content)
    clock = Clock.of(workspace)
    now = timezone.now()
    new_ids: list[int] = []
    new_seeds = []
    for seed in content.conversations:
        created = _store_conversation(channels[seed.network], seed, clock, now)
        if created:
            new_ids += created
            new_seeds.append(seed)
    # The sync's own pipeline: classify, then run the moderation rules on what was just stored.
    classify_messages(new_ids)
    moderate_new_messages(list(Message.objects.filter(pk__in=new_ids).order_by("pk")))
    for seed in new_seeds:
        _follow_up(workspace, owner, seed, channels[seed.network])


def _content(workspace: Workspace, owner: User, content: WorkspaceContent) -> None:
    today = timezone.now().astimezone(workspace.zone).date()
    channels = _channels(workspace, owner, content.channels)
    pillars = _editorial_line(workspace, owner, content)
    _calendar(workspace, owner, content, channels, today)
    _posts(workspace, owner, content, channels, pillars, today)
    _inbox(workspace, owner, content, channels)


@transaction.atomic
def create_demo(email: str, password: str | None = None) -> DemoLogin:
    """Idempotent: running it again keeps the data and sets a new password for the demo account."""
    password = password or secrets.token_urlsafe(9)
    owner = User.objects.filter(email=email).first() or User.objects.create_user(
        email, full_name="Camille Martin"
    )
    owner.set_password(password)
    owner.save()
    bakery = _workspace(owner, WORKSPACES[0])
    town_hall = _workspace(owner, WORKSPACES[1])
    _add_team(bakery, owner, TEAM)
    _add_team(town_hall, owner, TOWN_HALL_TEAM)
    for invitee, role in PENDING_INVITATIONS:
        if not bakery.invitations.filter(email=invitee).exists():
            actions.do_invite_member(bakery, owner, Role.OWNER, invitee, role)
    _content(bakery, owner, BAKERY_CONTENT)
    _content(town_hall, owner, TOWN_HALL_CONTENT)
    return DemoLogin(email=email, password=password)
