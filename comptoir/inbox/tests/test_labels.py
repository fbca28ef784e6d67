"""Labels: managed on their own page, shown as coloured chips, put on and taken off a conversation, a filter."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from comptoir.inbox.models import Label
from comptoir.testing.factories import ConversationFactory, LabelFactory, MembershipFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import Role


def test_creating_a_label_is_audited(owner: Membership, owner_client: Client) -> None:
    url = reverse("inbox:labels", args=[owner.workspace.slug])
    response = owner_client.post(url, {"name": " Presse ", "color": "#B4432B"})
    assert response.status_code == 302
    label = Label.objects.get(workspace=owner.workspace)
    assert (label.name, label.color) == ("Presse", "#b4432b")
    assert AuditEntry.objects.filter(object_type="label", action="create").count() == 1


def test_a_duplicate_name_is_refused_with_a_message(owner: Membership, owner_client: Client) -> None:
    LabelFactory(workspace=owner.workspace, name="SAV")
    url = reverse("inbox:labels", args=[owner.workspace.slug])
    response = owner_client.post(url, {"name": "sav", "color": "#000000"}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "A label with this name already exists." in response.content.decode()
    assert Label.objects.filter(workspace=owner.workspace).count() == 1


def test_a_bad_colour_is_refused(owner: Membership, owner_client: Client) -> None:
    url = reverse("inbox:labels", args=[owner.workspace.slug])
    response = owner_client.post(url, {"name": "X", "color": "red;}"})
    assert response.status_code == 422
    assert not Label.objects.exists()


def test_editing_and_deleting_a_label(owner: Membership, owner_client: Client) -> None:
    label = LabelFactory(workspace=owner.workspace, name="Lead")
    conversation = ConversationFactory(contact__channel__workspace=owner.workspace)
    conversation.labels.add(label)
    edit = reverse("inbox:edit_label", args=[owner.workspace.slug, label.id])
    assert owner_client.post(edit, {"name": "Prospect", "color": "#123456"}).status_code == 302
    label.refresh_from_db()
    assert (label.name, label.color) == ("Prospect", "#123456")
    delete = reverse("inbox:delete_label", args=[owner.workspace.slug, label.id])
    assert owner_client.post(delete).status_code == 302
    assert not Label.objects.exists()
    assert conversation.labels.count() == 0
    assert AuditEntry.objects.filter(object_type="label", action="delete").count() == 1


def test_a_moderator_uses_labels_but_does_not_manage_them(owner: Membership) -> None:
    moderator = MembershipFactory(workspace=owner.workspace, role=Role.MODERATOR)
    label = LabelFactory(workspace=owner.workspace)
    conversation = ConversationFactory(contact__channel__workspace=owner.workspace)
    client = Client()
    client.force_login(moderator.user)
    assert client.get(reverse("inbox:labels", args=[owner.workspace.slug])).status_code == 403
    url = reverse("inbox:change_labels", args=[owner.workspace.slug, conversation.id])
    assert client.post(url, {"label": label.id, "change": "add"}).status_code == 302
    assert list(conversation.labels.all()) == [label]


def test_a_conversation_shows_its_labels_and_loses_one(owner: Membership, owner_client: Client) -> None:
    kept, removed = (
        LabelFactory(workspace=owner.workspace, name="Gardé"),
        LabelFactory(workspace=owner.workspace),
    )
    conversation = ConversationFactory(contact__channel__workspace=owner.workspace)
    conversation.labels.add(kept, removed)
    url = reverse("inbox:change_labels", args=[owner.workspace.slug, conversation.id])
    owner_client.post(url, {"label": removed.id, "change": "remove"})
    page = owner_client.get(reverse("inbox:conversation", args=[owner.workspace.slug, conversation.id]))
    assert list(page.context["conversation_labels"]) == [kept]
    assert 'style="background: #2f7d4f"></i>Gardé' in page.content.decode()


def test_a_label_of_another_workspace_cannot_be_put_on_a_conversation(
    owner: Membership, owner_client: Client
) -> None:
    conversation = ConversationFactory(contact__channel__workspace=owner.workspace)
    url = reverse("inbox:change_labels", args=[owner.workspace.slug, conversation.id])
    assert owner_client.post(url, {"label": LabelFactory().id, "change": "add"}).status_code == 404
    assert not conversation.labels.exists()


def test_label_pages_of_another_workspace_are_not_found(owner: Membership, owner_client: Client) -> None:
    foreign = LabelFactory()
    for name in ("inbox:edit_label", "inbox:delete_label"):
        url = reverse(name, args=[owner.workspace.slug, foreign.id])
        assert owner_client.post(url, {"name": "x", "color": "#000000"}).status_code == 404
    assert Label.objects.filter(id=foreign.id, name=foreign.name).exists()


def test_the_list_filters_by_label_and_shows_chips(owner: Membership, owner_client: Client) -> None:
    label = LabelFactory(workspace=owner.workspace, name="Presse")
    tagged = ConversationFactory(contact__channel__workspace=owner.workspace, subject="Journaliste")
    tagged.labels.add(label)
    ConversationFactory(contact__channel__workspace=owner.workspace, subject="Client")
    response = owner_client.get(reverse("inbox:inbox", args=[owner.workspace.slug]), {"label": label.id})
    assert [row.conversation.subject for row in response.context["rows"]] == ["Journaliste"]
    assert 'data-testid="label-chip"' in response.content.decode()
