"""Bulk actions: select many conversations, change status, assignee or labels, each change audited."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from comptoir.inbox.models import Conversation
from comptoir.testing.factories import ConversationFactory, LabelFactory, MembershipFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import Role


def two(owner: Membership) -> list[Conversation]:
    return [ConversationFactory(contact__channel__workspace=owner.workspace) for _ in range(2)]


def bulk(client: Client, owner: Membership, ids: list[int], action: str, value: str, **extra: str) -> None:
    url = reverse("inbox:bulk", args=[owner.workspace.slug])
    response = client.post(url, {"ids": ids, "action": action, "value": value, **extra})
    assert response.status_code == 302


def test_selected_conversations_change_status_each_audited(owner: Membership, owner_client: Client) -> None:
    first, second = two(owner)
    untouched = ConversationFactory(contact__channel__workspace=owner.workspace)
    bulk(owner_client, owner, [first.id, second.id], "status", "done")
    statuses = dict(Conversation.objects.values_list("id", "status"))
    assert (statuses[first.id], statuses[second.id], statuses[untouched.id]) == ("done", "done", "open")
    audited = AuditEntry.objects.filter(workspace=owner.workspace, object_type="conversation")
    assert sorted(int(entry.object_id) for entry in audited) == [first.id, second.id]


def test_assign_to_me_and_to_a_teammate(owner: Membership, owner_client: Client) -> None:
    first, second = two(owner)
    moderator = MembershipFactory(workspace=owner.workspace, role=Role.MODERATOR)
    bulk(owner_client, owner, [first.id], "assign", "me")
    bulk(owner_client, owner, [second.id], "assign", str(moderator.user_id))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.assignee, second.assignee) == (owner.user, moderator.user)


def test_label_and_unlabel(owner: Membership, owner_client: Client) -> None:
    first, second = two(owner)
    label = LabelFactory(workspace=owner.workspace, name="SAV")
    bulk(owner_client, owner, [first.id, second.id], "label", str(label.id))
    assert set(label.conversations.all()) == {first, second}
    bulk(owner_client, owner, [first.id], "unlabel", str(label.id))
    assert set(label.conversations.all()) == {second}
    assert AuditEntry.objects.filter(workspace=owner.workspace, changes__labels__isnull=False).count() == 3


def test_another_workspaces_conversations_and_labels_are_out_of_reach(
    owner: Membership, owner_client: Client
) -> None:
    mine = ConversationFactory(contact__channel__workspace=owner.workspace)
    foreign = ConversationFactory()
    bulk(owner_client, owner, [mine.id, foreign.id], "status", "done")
    foreign.refresh_from_db()
    assert foreign.status == "open"
    foreign_label = LabelFactory()
    bulk(owner_client, owner, [mine.id], "label", str(foreign_label.id))
    assert not mine.labels.exists()


def test_a_bad_value_changes_nothing_and_says_why(owner: Membership, owner_client: Client) -> None:
    first, second = two(owner)
    analyst = MembershipFactory(workspace=owner.workspace, role=Role.ANALYST)
    url = reverse("inbox:bulk", args=[owner.workspace.slug])
    response = owner_client.post(
        url,
        {"ids": [first.id, second.id], "action": "status", "value": "archived"},
        headers={"Accept-Language": "en"},
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Unknown status “archived”."]
    assert set(Conversation.objects.values_list("status", flat=True)) == {"open"}
    bulk(owner_client, owner, [first.id], "assign", str(analyst.user_id))
    first.refresh_from_db()
    assert first.assignee is None


def test_nothing_selected_is_an_error_message(owner: Membership, owner_client: Client) -> None:
    url = reverse("inbox:bulk", args=[owner.workspace.slug])
    response = owner_client.post(
        url, {"action": "status", "value": "done"}, headers={"Accept-Language": "en"}
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Select at least one conversation."]


def test_the_return_address_must_be_ours(owner: Membership, owner_client: Client) -> None:
    [first, _second] = two(owner)
    url = reverse("inbox:bulk", args=[owner.workspace.slug])
    data = {"ids": [first.id], "action": "status", "value": "done"}
    inside = owner_client.post(url, {**data, "next": f"/w/{owner.workspace.slug}/inbox/?status=open"})
    outside = owner_client.post(url, {**data, "next": "https://evil.example/"})
    assert inside["Location"] == f"/w/{owner.workspace.slug}/inbox/?status=open"
    assert outside["Location"] == reverse("inbox:inbox", args=[owner.workspace.slug])


def test_an_analyst_cannot_use_bulk_actions(owner: Membership) -> None:
    analyst = MembershipFactory(workspace=owner.workspace, role=Role.ANALYST)
    conversation = ConversationFactory(contact__channel__workspace=owner.workspace)
    client = Client()
    client.force_login(analyst.user)
    url = reverse("inbox:bulk", args=[owner.workspace.slug])
    assert (
        client.post(url, {"ids": [conversation.id], "action": "status", "value": "done"}).status_code == 403
    )
    conversation.refresh_from_db()
    assert conversation.status == "open"
