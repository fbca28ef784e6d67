"""Rules CRUD through the condition builder: saved as checked data, clear messages for bad input."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from comptoir.inbox.models import Label
from comptoir.moderation.models import Rule
from comptoir.testing.factories import RuleFactory, WorkspaceFactory
from comptoir.workspaces.models import AuditEntry, Membership


def builder(
    name: str = "Spam",
    conditions: list[dict[str, str]] | None = None,
    actions: list[dict[str, str]] | None = None,
    **fields: str,
) -> dict[str, Any]:
    """The POST a browser sends from the builder: the rule's fields and its condition and action rows."""
    conditions = conditions if conditions is not None else [{"kind": "keywords", "value": "arnaque, escroc"}]
    actions = actions if actions is not None else [{"kind": "queue"}]
    data: dict[str, Any] = {"name": name, "match": "all", "enabled": "on", **fields}
    for prefix, rows in (("conditions", conditions), ("actions", actions)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for index, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{index}-{key}"] = value
    return data


def create(client: Client, membership: Membership, data: dict[str, Any]) -> Any:
    return client.post(reverse("moderation:rule_create", args=[membership.workspace.slug]), data)


def test_a_rule_is_created_from_the_builder(owner: Membership, owner_client: Client) -> None:
    label = Label.objects.create(workspace=owner.workspace, name="Spam")
    data = builder(
        conditions=[
            {"kind": "keywords", "value": "arnaque, escroc"},
            {"kind": "score", "score": "spam:spam", "value": "0.9"},
            {"kind": ""},
        ],
        actions=[{"kind": "label", "label": str(label.pk)}, {"kind": "queue"}],
    )
    assert create(owner_client, owner, data).status_code == 302
    rule = Rule.objects.get()
    assert rule.conditions == [
        {"type": "keywords", "words": ["arnaque", "escroc"]},
        {"type": "score", "score": "spam:spam", "threshold": 0.9},
    ]
    assert rule.actions == [{"type": "label", "label": label.pk}, {"type": "queue"}]
    assert AuditEntry.objects.filter(object_type="rule", action="create").exists()


def test_an_invalid_regex_is_explained_and_nothing_is_saved(owner: Membership, owner_client: Client) -> None:
    response = create(owner_client, owner, builder(conditions=[{"kind": "regex", "value": "([a-z"}]))
    assert response.status_code == 422
    assert "This regular expression is not valid" in response.content.decode()
    assert not Rule.objects.exists()


def test_a_rule_without_action_is_refused(owner: Membership, owner_client: Client) -> None:
    response = create(owner_client, owner, builder(actions=[{"kind": ""}]))
    assert response.status_code == 422
    assert "A rule needs at least one action." in response.content.decode()


def test_an_action_without_its_target_is_refused(owner: Membership, owner_client: Client) -> None:
    response = create(owner_client, owner, builder(actions=[{"kind": "route"}]))
    assert response.status_code == 422
    assert "needs its target chosen" in response.content.decode()


def test_another_workspaces_label_cannot_be_used(owner: Membership, owner_client: Client) -> None:
    foreign = Label.objects.create(workspace=WorkspaceFactory(), name="Ailleurs")
    response = create(owner_client, owner, builder(actions=[{"kind": "label", "label": str(foreign.pk)}]))
    assert response.status_code == 422
    assert not Rule.objects.exists()


def test_editing_shows_the_saved_rows_and_saves_changes(owner: Membership, owner_client: Client) -> None:
    rule: Rule = RuleFactory(workspace=owner.workspace, name="Ancienne")
    url = reverse("moderation:rule_edit", args=[owner.workspace.slug, rule.pk])
    assert 'value="arnaque"' in owner_client.get(url).content.decode()
    data = builder(name="Nouvelle", conditions=[{"kind": "language", "value": "en"}])
    assert owner_client.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.conditions) == ("Nouvelle", [{"type": "language", "languages": ["en"]}])


def test_toggle_and_delete(owner: Membership, owner_client: Client) -> None:
    rule: Rule = RuleFactory(workspace=owner.workspace)
    slug = owner.workspace.slug
    owner_client.post(reverse("moderation:rule_toggle", args=[slug, rule.pk]))
    rule.refresh_from_db()
    assert rule.enabled is False
    owner_client.post(reverse("moderation:rule_delete", args=[slug, rule.pk]))
    assert not Rule.objects.exists()


def test_the_rules_page_lists_rules_with_their_counters(owner: Membership, owner_client: Client) -> None:
    RuleFactory(
        workspace=owner.workspace, name="<b>Spam</b>", matches_count=12, actions_count=7, undone_count=1
    )
    body = owner_client.get(reverse("moderation:rules", args=[owner.workspace.slug])).content.decode()
    assert "&lt;b&gt;Spam&lt;/b&gt;" in body
    assert "<td>12</td><td>7</td><td>1</td>" in body
