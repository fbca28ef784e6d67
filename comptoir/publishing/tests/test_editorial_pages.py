"""The editorial line's page: pillars with shares that add up to 100 % at most, tone rules and link tracking."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from comptoir.publishing.models import LinkTracking, Pillar, ToneRules
from comptoir.testing.factories import MembershipFactory, PostFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import Role


def url(owner: Membership, name: str, *args: object) -> str:
    return reverse(f"publishing:{name}", args=[owner.workspace.slug, *args])


def pillar(owner: Membership, name: str, share: int) -> Pillar:
    created: Pillar = Pillar.objects.create(workspace=owner.workspace, name=name, target_share=share)
    return created


def test_adding_a_pillar(owner: Membership, owner_client: Client) -> None:
    response = owner_client.post(
        url(owner, "add_pillar"), {"name": "Recettes", "color": "#aa3300", "target_share": 40, "position": 1}
    )
    assert response.status_code == 302
    created = Pillar.objects.get()
    assert (created.workspace, created.name, created.color, created.target_share) == (
        owner.workspace,
        "Recettes",
        "#aa3300",
        40,
    )
    assert AuditEntry.objects.filter(object_type="pillar", action="create").exists()
    page = owner_client.get(url(owner, "editorial")).content.decode()
    assert "Recettes" in page and "40 %" in page


def test_shares_over_100_are_refused_with_what_is_left(owner: Membership, owner_client: Client) -> None:
    pillar(owner, "Recettes", 70)
    response = owner_client.post(
        url(owner, "add_pillar"), {"name": "Équipe", "color": "#112233", "target_share": 40, "position": 0}
    )
    assert response.status_code == 400
    assert (
        "The other pillars already take 70 %: this one can aim at 30 % at most" in response.content.decode()
    )
    assert Pillar.objects.count() == 1


def test_editing_a_pillar_does_not_count_its_own_share_twice(owner: Membership, owner_client: Client) -> None:
    recipes = pillar(owner, "Recettes", 60)
    pillar(owner, "Équipe", 30)
    data = {"name": "Recettes", "color": "#112233", "target_share": 70, "position": 0}
    assert owner_client.post(url(owner, "edit_pillar", recipes.pk), data).status_code == 302
    recipes.refresh_from_db()
    assert recipes.target_share == 70
    data["target_share"] = 71
    page = owner_client.post(url(owner, "edit_pillar", recipes.pk), data).content.decode()
    assert "can aim at 70 % at most" in page


def test_a_bad_colour_is_a_form_error(owner: Membership, owner_client: Client) -> None:
    page = owner_client.post(
        url(owner, "add_pillar"), {"name": "Recettes", "color": "red", "target_share": 10, "position": 0}
    ).content.decode()
    assert "Choose a colour such as #4f6df5." in page
    assert not Pillar.objects.exists()


def test_a_duplicate_name_is_a_form_error(owner: Membership, owner_client: Client) -> None:
    pillar(owner, "Recettes", 10)
    response = owner_client.post(
        url(owner, "add_pillar"), {"name": "Recettes", "color": "#112233", "target_share": 10, "position": 0}
    )
    assert response.status_code == 400
    assert "A pillar of this name already exists." in response.content.decode()
    assert Pillar.objects.count() == 1


def test_deleting_a_pillar_keeps_its_posts(owner: Membership, owner_client: Client) -> None:
    recipes = pillar(owner, "Recettes", 10)
    post = PostFactory(workspace=owner.workspace, pillar=recipes)
    assert owner_client.post(url(owner, "delete_pillar", recipes.pk)).status_code == 302
    post.refresh_from_db()
    assert post.pillar is None and not Pillar.objects.exists()


def test_saving_tone_rules(owner: Membership, owner_client: Client) -> None:
    data = {
        "forbidden": "pas cher\npromo",
        "required": "#Lemoine\nmastodon: @lemoine",
        "emoji_policy": "limited",
        "emoji_max": 2,
        "languages": ["fr", "en"],
    }
    assert owner_client.post(url(owner, "tone_rules"), data).status_code == 302
    rules = ToneRules.objects.get(workspace=owner.workspace)
    assert (rules.forbidden, rules.emoji_policy, rules.emoji_max, rules.languages) == (
        "pas cher\npromo",
        "limited",
        2,
        ["fr", "en"],
    )
    data["emoji_max"] = 3
    assert owner_client.post(url(owner, "tone_rules"), data).status_code == 302
    assert ToneRules.objects.get().emoji_max == 3
    assert AuditEntry.objects.filter(object_type="tonerules", action="update").count() == 1


def test_an_unknown_language_is_refused(owner: Membership, owner_client: Client) -> None:
    response = owner_client.post(
        url(owner, "tone_rules"), {"emoji_policy": "free", "emoji_max": 0, "languages": ["xx"]}
    )
    assert response.status_code == 400
    assert not ToneRules.objects.exists()


def test_saving_link_tracking(owner: Membership, owner_client: Client) -> None:
    response = owner_client.post(
        url(owner, "link_tracking"), {"enabled": "on", "medium": "social", "campaign": "hiver"}
    )
    assert response.status_code == 302
    tracking = LinkTracking.objects.get(workspace=owner.workspace)
    assert (tracking.enabled, tracking.medium, tracking.campaign) == (True, "social", "hiver")


def test_an_editor_reads_the_line_but_cannot_change_it(owner: Membership) -> None:
    editor = MembershipFactory(workspace=owner.workspace, role=Role.EDITOR)
    recipes = pillar(owner, "Recettes", 10)
    client = Client()
    client.force_login(editor.user)
    page = client.get(url(owner, "editorial"))
    assert page.status_code == 200 and "Recettes" in page.content.decode()
    assert "Add a pillar" not in page.content.decode()
    assert client.post(url(owner, "delete_pillar", recipes.pk)).status_code == 403
    assert client.post(url(owner, "tone_rules"), {"emoji_policy": "none", "emoji_max": 0}).status_code == 403
    assert Pillar.objects.filter(pk=recipes.pk).exists() and not ToneRules.objects.exists()


def test_another_workspace_pillar_is_not_found(owner: Membership, owner_client: Client) -> None:
    foreign = Pillar.objects.create(workspace=MembershipFactory().workspace, name="Autre", target_share=5)
    assert owner_client.post(url(owner, "delete_pillar", foreign.pk)).status_code == 404
    assert Pillar.objects.filter(pk=foreign.pk).exists()
