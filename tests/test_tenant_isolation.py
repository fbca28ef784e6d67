"""Every URL and API route, fed with workspace B's objects, answers 404 to a member of workspace A.

Routes are enumerated from the URL map and the OpenAPI schema, so a new view is covered the day it is added;
a route whose parameters this file cannot fill fails the test until it is taught how.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from comptoir.api.models import ApiToken
from comptoir.channels.models import Channel
from comptoir.classifiers.models import WorkspaceClassifier
from comptoir.inbox.models import Conversation, Department, Label, SavedReply
from comptoir.moderation.models import ActionLog, QueueItem, Rule
from comptoir.publishing.ical import do_regenerate_feed_token
from comptoir.publishing.models import Campaign, Media, Pillar, PostTarget, QueueSlot, Recurrence, ReviewLink
from comptoir.testing.factories import (
    CampaignFactory,
    ChannelFactory,
    ConversationFactory,
    DepartmentFactory,
    InvitationFactory,
    LabelFactory,
    MediaFactory,
    MembershipFactory,
    MessageFactory,
    PillarFactory,
    PostTargetFactory,
    QueueSlotFactory,
    ReviewLinkFactory,
    RuleFactory,
    SavedReplyFactory,
    WorkspaceFactory,
    api_token_for,
)
from comptoir.workspaces.models import Invitation, Membership
from comptoir.workspaces.permissions import Role

# Routes that address no workspace object: global pages, the public invitation link, operators' admin, the API
# (tested below through its schema).
NOT_WORKSPACE_SCOPED = re.compile(
    r"^(home|accounts:.*|workspaces:(create|accept_invitation)|publishing:(review_link|public_media)|moderation:referral_(answer|callback)|channels:oauth_callback|system_status|set_language|admin:.*|api:.*|)$"
)


@dataclass
class Tenants:
    a: Membership
    b: Membership
    b_member: Membership
    b_invitation: Invitation
    b_token: ApiToken
    b_channel: Channel
    b_conversation: Conversation
    b_target: PostTarget
    b_review_link: ReviewLink
    b_label: Label
    b_saved_reply: SavedReply
    b_rule: Rule
    b_queue_item: QueueItem
    b_log_entry: ActionLog
    b_department: Department
    a_secret: str
    b_campaign: Campaign
    b_slot: QueueSlot
    b_recurrence: Recurrence
    a_feed_token: str  # A's own secret: it must not open B's calendar
    b_pillar: Pillar
    b_media: Media
    b_classifier: WorkspaceClassifier


PARAMETERS: dict[str, Callable[[Tenants], str]] = {
    "workspace": lambda t: t.b.workspace.slug,
    "member_id": lambda t: str(t.b_member.id),
    "invitation_id": lambda t: str(t.b_invitation.id),
    "token_id": lambda t: str(t.b_token.id),
    "channel_id": lambda t: str(t.b_channel.id),
    "network": lambda t: t.b_channel.network,
    "conversation_id": lambda t: str(t.b_conversation.id),
    "post_id": lambda t: str(t.b_target.post_id),
    "target_id": lambda t: str(t.b_target.id),
    "link_id": lambda t: str(t.b_review_link.id),
    "label_id": lambda t: str(t.b_label.id),
    "saved_reply_id": lambda t: str(t.b_saved_reply.id),
    "rule_id": lambda t: str(t.b_rule.id),
    "item_id": lambda t: str(t.b_queue_item.id),
    "entry_id": lambda t: str(t.b_log_entry.id),
    "department_id": lambda t: str(t.b_department.id),
    "campaign_id": lambda t: str(t.b_campaign.id),
    "slot_id": lambda t: str(t.b_slot.id),
    "feed_token": lambda t: t.a_feed_token,
    "recurrence_id": lambda t: str(t.b_recurrence.id),
    "pillar_id": lambda t: str(t.b_pillar.id),
    "media_id": lambda t: str(t.b_media.id),
    "classifier_id": lambda t: str(t.b_classifier.id),
}


@pytest.fixture
def tenants(db: None) -> Tenants:
    a = MembershipFactory(role=Role.OWNER)
    b = MembershipFactory(role=Role.OWNER, workspace=WorkspaceFactory())
    _token, secret = api_token_for(a)
    b_target = PostTargetFactory(post__workspace=b.workspace, state=PostTarget.State.IN_REVIEW)
    b_message = MessageFactory(conversation__contact__channel__workspace=b.workspace)
    return Tenants(
        a=a,
        b=b,
        b_member=MembershipFactory(workspace=b.workspace, role=Role.EDITOR),
        b_invitation=InvitationFactory(workspace=b.workspace),
        b_token=api_token_for(b)[0],
        b_channel=ChannelFactory(workspace=b.workspace),
        b_conversation=ConversationFactory(contact__channel__workspace=b.workspace),
        b_target=b_target,
        b_review_link=ReviewLinkFactory(post=b_target.post),
        b_label=LabelFactory(workspace=b.workspace),
        b_saved_reply=SavedReplyFactory(workspace=b.workspace),
        b_rule=RuleFactory(workspace=b.workspace),
        b_queue_item=QueueItem.objects.create(workspace=b.workspace, message=b_message, reason="test"),
        b_log_entry=ActionLog.objects.create(
            workspace=b.workspace,
            message=b_message,
            conversation=b_message.conversation,
            action="queue",
            reason="test",
            outcome=ActionLog.Outcome.DONE,
        ),
        b_department=DepartmentFactory(workspace=b.workspace),
        a_secret=secret,
        b_campaign=CampaignFactory(workspace=b.workspace),
        b_slot=QueueSlotFactory(channel__workspace=b.workspace),
        b_recurrence=Recurrence.objects.create(
            workspace=b.workspace,
            source_post=b_target.post,
            rule="FREQ=DAILY",
            starts_local="2026-06-01T09:00:00",
            time_zone="Europe/Paris",
        ),
        a_feed_token=do_regenerate_feed_token(a, a.user),
        b_pillar=PillarFactory(workspace=b.workspace),
        b_media=MediaFactory(workspace=b.workspace),
        b_classifier=WorkspaceClassifier.objects.create(workspace=b.workspace, name="Sujet"),
    )


def web_routes(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from web_routes(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or ''}", prefix + str(pattern.pattern)


def fill(route: str, tenants: Tenants) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PARAMETERS:
            pytest.fail(f"Route {route!r} has a parameter {name!r}: add it to PARAMETERS in {__file__}.")
        return PARAMETERS[name](tenants)

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route)


def test_every_web_route_hides_other_workspaces(tenants: Tenants) -> None:
    client = Client()
    client.force_login(tenants.a.user)
    checked = []
    for name, route in web_routes():
        if NOT_WORKSPACE_SCOPED.match(name):
            continue
        url = fill(route, tenants)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 404, f"{method.upper()} {url} ({name}) gave {response.status_code}"
        checked.append(name)
    # The enumeration itself must see the workspace pages, or this test would pass on an empty list.
    assert {"workspaces:dashboard", "workspaces:change_role", "api_tokens", "revoke_api_token"} <= set(
        checked
    )
    tenants.b_member.refresh_from_db()
    assert tenants.b_member.role == Role.EDITOR


# A valid body per request schema, so that the route's own lookup (not body validation) answers.
BODIES: dict[str, dict[str, str]] = {
    "WorkspacePatch": {"name": "Renamed"},
    "MemberPatch": {"role": "reviewer"},
    "InvitationIn": {"email": "someone@example.test", "role": "reviewer"},
}


def api_routes(client: Client) -> Iterator[tuple[str, str, str]]:
    schema = client.get("/api/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = content.get("schema", {}).get("$ref", "")
            body_name = ref.rsplit("/", 1)[-1]
            if ref and body_name not in BODIES:
                pytest.fail(f"{method.upper()} {path} takes a {body_name}: add a valid example to BODIES.")
            yield method, path, json.dumps(BODIES.get(body_name, {}))


def api_parameter(name: str, tenants: Tenants) -> str:
    if name not in PARAMETERS:
        pytest.fail(f"An API path has a parameter {name!r}: add it to PARAMETERS in {__file__}.")
    return PARAMETERS[name](tenants)


def test_every_api_route_hides_other_workspaces(tenants: Tenants) -> None:
    client = Client(headers={"Authorization": f"Bearer {tenants.a_secret}"})
    b_markers = [
        tenants.b.workspace.slug,
        tenants.b.user.email,
        tenants.b_member.user.email,
        tenants.b_invitation.email,
    ]
    with_object, without_object = 0, 0
    for method, path, body in api_routes(client):
        url = re.sub(r"\{(\w+)\}", lambda m: api_parameter(m.group(1), tenants), path)
        response = client.generic(method.upper(), url, data=body, content_type="application/json")
        if url != path:
            with_object += 1
            assert response.status_code == 404, f"{method.upper()} {url} gave {response.status_code}"
            assert response.json()["detail"]
        else:
            without_object += 1
            body = response.content.decode()
            assert not any(marker in body for marker in b_markers), (
                f"{method.upper()} {path} leaks workspace B"
            )
    assert with_object >= 4 and without_object >= 4
    tenants.b_member.refresh_from_db()
    assert Membership.objects.filter(id=tenants.b_member.id, role=Role.EDITOR).exists()
