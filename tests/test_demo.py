"""`comptoir demo`: French workspaces with a team and content, idempotent, offline, and a login that works."""

from __future__ import annotations

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.channels.models import Channel
from comptoir.demo import DemoLogin, create_demo
from comptoir.demo_content import BAKERY_CONTENT
from comptoir.inbox.jobs import inbox_channels
from comptoir.inbox.models import Conversation, Label, Message, Note, OutboundReply, Referral, SavedReply
from comptoir.moderation.models import ActionLog, QueueItem, Rule
from comptoir.publishing.models import (
    Campaign,
    Media,
    Pillar,
    Post,
    PostTarget,
    PublishAttempt,
    ReviewEvent,
    ReviewLink,
)
from comptoir.publishing.publisher import run_publisher
from comptoir.workspaces.models import AuditEntry, Invitation, Membership, Workspace
from comptoir.workspaces.permissions import Role

COUNTED: list[type[Model]] = [
    Workspace,
    Membership,
    Invitation,
    Channel,
    Pillar,
    Campaign,
    Media,
    Post,
    PostTarget,
    PublishAttempt,
    ReviewEvent,
    ReviewLink,
    Conversation,
    Message,
    Note,
    Label,
    SavedReply,
    OutboundReply,
    Referral,
    Rule,
    ActionLog,
    QueueItem,
    AuditEntry,
]


@pytest.fixture
def demo(db: None) -> DemoLogin:
    return create_demo("demo@comptoir.local")


@pytest.fixture
def bakery(demo: DemoLogin) -> Workspace:
    return Workspace.objects.get(slug="boulangerie-lemoine")


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in COUNTED}


def test_demo_creates_workspaces_and_team(demo: DemoLogin, bakery: Workspace) -> None:
    assert Client().login(email=demo.email, password=demo.password)
    roles = set(Membership.objects.filter(workspace=bakery).values_list("role", flat=True))
    assert roles == {Role.OWNER, Role.EDITOR, Role.MODERATOR, Role.ANALYST, Role.REVIEWER}
    assert Invitation.objects.filter(workspace=bakery, accepted_at=None).count() == 1
    assert AuditEntry.objects.filter(workspace=bakery).exists()


def test_demo_runs_twice_without_duplicating_anything(demo: DemoLogin) -> None:
    before = counts()
    second = create_demo("demo@comptoir.local", "mot-de-passe-choisi")
    assert counts() == before
    assert not Client().login(email=demo.email, password=demo.password)
    assert Client().login(email=second.email, password="mot-de-passe-choisi")


def test_demo_channels_wait_for_a_real_account(bakery: Workspace) -> None:
    channels = Channel.objects.filter(workspace=bakery)
    assert {channel.network for channel in channels} == {seed.network for seed in BAKERY_CONTENT.channels}
    assert {channel.status for channel in Channel.objects.all()} == {Channel.Status.RECONNECT}
    assert all(channel.credentials == {"placeholder": "demo"} for channel in channels)
    assert inbox_channels() == []


def test_no_demo_target_is_left_for_the_publisher(demo: DemoLogin) -> None:
    busy = [PostTarget.State.SCHEDULED, PostTarget.State.CLAIMED, PostTarget.State.UNKNOWN]
    assert PostTarget.objects.exists()
    assert not PostTarget.objects.filter(state__in=busy).exists()
    assert run_publisher("test-worker", timezone.now()) == []


def test_demo_calendar_spans_the_past_and_the_next_month(bakery: Workspace) -> None:
    targets = PostTarget.objects.filter(post__workspace=bakery)
    now = timezone.now()
    states = set(targets.values_list("state", flat=True))
    assert states == {"published", "failed", "draft", "in_review", "approved"}
    assert not targets.filter(due_at=None).exists()
    assert not targets.filter(state="published", due_at__gt=now).exists()
    assert not targets.filter(state__in=["draft", "in_review", "approved"], due_at__lt=now).exists()
    published = targets.filter(state="published")
    assert published.exclude(remote_url="").count() == published.count()
    assert (
        PublishAttempt.objects.filter(target__in=published, outcome="published").count() == published.count()
    )
    failed = targets.get(state="failed")
    assert failed.failure_reason == PostTarget.FailureReason.AUTH_REVOKED and failed.last_error
    kinds = set(ReviewEvent.objects.filter(post__workspace=bakery).values_list("kind", flat=True))
    assert {"submitted", "commented", "approved", "changes_requested"} <= kinds
    assert ReviewLink.objects.filter(post__workspace=bakery).exists()


def test_demo_inbox_is_classified_labelled_and_moderated(bakery: Workspace) -> None:
    conversations = Conversation.objects.filter(workspace=bakery)
    assert 25 <= conversations.count() <= 40
    inbound = Message.objects.filter(workspace=bakery, direction=Message.Direction.INBOUND)
    assert not inbound.filter(classified_at=None).exists()
    assert {"fr", "en"} <= set(inbound.values_list("language", flat=True))
    assert {label.name for label in Label.objects.filter(workspace=bakery, conversations__isnull=False)} == {
        "SAV",
        "Commande",
        "Presse",
        "Lead",
    }
    replied = [seed for seed in BAKERY_CONTENT.conversations if seed.reply]
    sent = OutboundReply.objects.filter(workspace=bakery, state=OutboundReply.State.SENT)
    assert sent.count() == len(replied)
    assert conversations.filter(first_response_at__isnull=False).count() == len(replied)
    assert conversations.filter(first_response_due_at__lt=timezone.now(), first_response_at=None).exists()
    assert QueueItem.objects.filter(workspace=bakery, status=QueueItem.Status.PENDING).count() >= 2
    assert Referral.objects.filter(workspace=bakery, department__name="SAV").exists()


def test_demo_moderation_never_called_a_network(bakery: Workspace) -> None:
    network_actions = ActionLog.objects.filter(workspace=bakery, action__in=["hide", "delete", "ban"])
    assert network_actions.exists()
    assert set(network_actions.values_list("outcome", flat=True)) == {ActionLog.Outcome.SKIPPED}


def page_urls(workspace: Workspace) -> list[str]:
    slug = workspace.slug
    conversation = Conversation.objects.filter(workspace=workspace).first()
    post = Post.objects.filter(workspace=workspace).first()
    assert conversation is not None and post is not None
    names = [
        "publishing:list",
        "publishing:calendar",
        "publishing:calendar_week",
        "publishing:calendar_list",
        "publishing:calendar_campaigns",
        "publishing:calendar_slots",
        "publishing:dashboard",
        "publishing:editorial",
        "publishing:media_library",
        "inbox:inbox",
        "inbox:labels",
        "inbox:saved_replies",
        "inbox:sla_settings",
        "inbox:metrics",
        "moderation:queue",
        "moderation:rules",
        "moderation:log",
        "moderation:departments",
        "channels:list",
    ]
    return [
        *(reverse(name, args=[slug]) for name in names),
        reverse("publishing:detail", args=[slug, post.pk]),
        reverse("inbox:conversation", args=[slug, conversation.pk]),
    ]


@pytest.mark.parametrize("slug", ["boulangerie-lemoine", "mairie-saint-aubin"])
def test_demo_pages_answer_for_the_owner(demo: DemoLogin, slug: str) -> None:
    client = Client()
    assert client.login(email=demo.email, password=demo.password)
    workspace = Workspace.objects.get(slug=slug)
    for url in page_urls(workspace):
        assert client.get(url).status_code == 200, url
