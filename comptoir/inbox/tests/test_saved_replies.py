"""Saved replies: written once with variables, filled for the contact and agent when inserted in a reply."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from comptoir.inbox.models import SavedReply
from comptoir.inbox.saved_replies import fill_saved_reply, variables_for
from comptoir.testing.factories import (
    ContactFactory,
    ConversationFactory,
    MessageFactory,
    SavedReplyFactory,
    UserFactory,
    WorkspaceFactory,
)
from comptoir.workspaces.models import AuditEntry, Membership


def test_variables_are_filled_from_contact_agent_and_brand() -> None:
    contact = ContactFactory.build(display_name="Camille Martin")
    agent = UserFactory.build(full_name="Léa Dubois", email="lea@example.test")
    values = variables_for(contact, agent, WorkspaceFactory.build(name="Boulangerie Paul"))
    text = fill_saved_reply("Bonjour {{ first_name }} ({{name}}) — {{ agent }}, {{ brand }}", values)
    assert text == "Bonjour Camille (Camille Martin) — Léa Dubois, Boulangerie Paul"


def test_an_agent_without_a_name_signs_with_the_start_of_the_address() -> None:
    agent = UserFactory.build(full_name="", email="lea@example.test")
    assert variables_for(None, agent, WorkspaceFactory.build())["agent"] == "lea"


def test_an_unknown_variable_is_a_clear_error() -> None:
    with pytest.raises(ValidationError) as raised:
        fill_saved_reply("Bonjour {{ prenom }} {{ first_name }} {{ x.y }}", {"first_name": "A"})
    message = " ".join(raised.value.messages)
    assert "{{ prenom }}" in message and "{{ x.y }}" in message and "{{ first_name }}" in message


def test_text_that_looks_like_html_is_kept_as_written() -> None:
    values = {"first_name": "<b>Ana</b>", "name": "", "agent": "", "brand": ""}
    assert fill_saved_reply("Hi {{ first_name }} & co", values) == "Hi <b>Ana</b> & co"


def test_creating_a_saved_reply_is_audited(owner: Membership, owner_client: Client) -> None:
    url = reverse("inbox:saved_replies", args=[owner.workspace.slug])
    data = {"title": "Horaires", "body": "Bonjour {{ first_name }}, nous ouvrons à 8 h.", "language": "fr"}
    assert owner_client.post(url, data).status_code == 302
    saved = SavedReply.objects.get(workspace=owner.workspace)
    assert (saved.title, saved.language) == ("Horaires", "fr")
    assert AuditEntry.objects.filter(
        object_type="savedreply", object_id=str(saved.id), action="create"
    ).exists()


def test_saving_an_unknown_variable_is_refused(owner: Membership, owner_client: Client) -> None:
    url = reverse("inbox:saved_replies", args=[owner.workspace.slug])
    response = owner_client.post(
        url, {"title": "X", "body": "Bonjour {{ prenom }}"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 422
    assert "Unknown variable(s): {{ prenom }}" in response.content.decode()
    assert not SavedReply.objects.exists()


def test_editing_and_deleting_a_saved_reply(owner: Membership, owner_client: Client) -> None:
    saved = SavedReplyFactory(workspace=owner.workspace)
    edit = reverse("inbox:edit_saved_reply", args=[owner.workspace.slug, saved.id])
    assert owner_client.post(edit, {"title": "Merci", "body": "Merci {{ name }} !"}).status_code == 302
    saved.refresh_from_db()
    assert (saved.title, saved.body) == ("Merci", "Merci {{ name }} !")
    delete = reverse("inbox:delete_saved_reply", args=[owner.workspace.slug, saved.id])
    assert owner_client.post(delete).status_code == 302
    assert not SavedReply.objects.exists()


def test_saved_reply_pages_of_another_workspace_are_not_found(
    owner: Membership, owner_client: Client
) -> None:
    foreign = SavedReplyFactory()
    url = reverse("inbox:edit_saved_reply", args=[owner.workspace.slug, foreign.id])
    assert owner_client.post(url, {"title": "x", "body": "y"}).status_code == 404
    assert (
        owner_client.post(
            reverse("inbox:delete_saved_reply", args=[owner.workspace.slug, foreign.id])
        ).status_code
        == 404
    )
    assert SavedReply.objects.filter(id=foreign.id).exists()


def test_the_reply_box_offers_saved_replies_filled_for_this_contact(
    owner: Membership, owner_client: Client
) -> None:
    owner.user.full_name = "Léa"
    owner.user.save()
    SavedReplyFactory(
        workspace=owner.workspace, title="Accueil", body="Bonjour {{ first_name }} ! {{ agent }}"
    )
    SavedReplyFactory(workspace=WorkspaceFactory(), title="Ailleurs")
    conversation = ConversationFactory(
        contact__channel__workspace=owner.workspace, contact__display_name='Zoé "<b>" Roy'
    )
    MessageFactory(conversation=conversation)
    page = owner_client.get(reverse("inbox:conversation", args=[owner.workspace.slug, conversation.id]))
    [filled] = page.context["saved_replies"]
    assert (filled.saved.title, filled.text) == ("Accueil", "Bonjour Zoé ! Léa")
    assert 'data-text="Bonjour Zoé ! Léa"' in page.content.decode()


def test_a_saved_reply_that_cannot_be_filled_is_shown_disabled_with_the_reason(
    owner: Membership, owner_client: Client
) -> None:
    # Written before a variable was renamed, or straight into the database: the error shows, nothing breaks.
    SavedReplyFactory(workspace=owner.workspace, title="Ancien", body="Bonjour {{ prenom }}")
    conversation = ConversationFactory(contact__channel__workspace=owner.workspace)
    MessageFactory(conversation=conversation)
    url = reverse("inbox:conversation", args=[owner.workspace.slug, conversation.id])
    page = owner_client.get(url, headers={"Accept-Language": "en"})
    [filled] = page.context["saved_replies"]
    assert filled.text == "" and "{{ prenom }}" in filled.error
    assert "disabled" in page.content.decode().split("Ancien")[0].rsplit("<option", 1)[1]
