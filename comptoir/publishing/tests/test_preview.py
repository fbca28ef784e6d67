"""The composer's per-network preview: tokens marked, the fold, the part over the limit, everything escaped."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from comptoir.publishing.preview import Segment, SegmentKind, limit_offset, preview, segments
from comptoir.testing.factories import ChannelFactory
from comptoir.workspaces.models import Membership

Kind = SegmentKind


def test_links_mentions_and_hashtags_are_told_apart() -> None:
    text = "Merci @lemoine@piaille.fr ! #Pain sur https://lemoine.fr/menu."
    assert segments(text) == [
        Segment(Kind.TEXT, "Merci "),
        Segment(Kind.MENTION, "@lemoine@piaille.fr"),
        Segment(Kind.TEXT, " ! "),
        Segment(Kind.HASHTAG, "#Pain"),
        Segment(Kind.TEXT, " sur "),
        Segment(Kind.LINK, "https://lemoine.fr/menu"),
        Segment(Kind.TEXT, "."),
    ]


def test_segments_give_the_text_back() -> None:
    text = "a@b.fr #1 #été C#, https://x.fr/#ancre @moi\nfin"
    assert "".join(segment.text for segment in segments(text)) == text


def test_an_email_a_number_and_a_fragment_are_not_tags() -> None:
    kinds = {segment.text: segment.kind for segment in segments("contact@lemoine.fr #1 https://x.fr/#ancre")}
    assert kinds["https://x.fr/#ancre"] is Kind.LINK
    assert all(kind is not Kind.MENTION for kind in kinds.values())
    assert all(kind is not Kind.HASHTAG for kind in kinds.values())


def test_instagram_folds_after_125_characters() -> None:
    shown = preview("a" * 200, "instagram")
    assert len("".join(s.text for s in shown.visible)) == 125
    assert len("".join(s.text for s in shown.folded)) == 75


def test_a_link_across_the_fold_goes_behind_it_whole() -> None:
    shown = preview("a" * 120 + " https://lemoine.fr/menu", "instagram")
    assert shown.folded == [Segment(Kind.LINK, "https://lemoine.fr/menu")]


def test_mastodon_does_not_fold() -> None:
    assert not preview("a" * 480, "mastodon").is_folded


def test_what_goes_beyond_the_limit_is_set_apart() -> None:
    text = "é" * 305
    offset = limit_offset(text, "bluesky")
    assert offset == 300
    assert preview(text, "bluesky", offset).over_limit == "é" * 5


def test_links_count_as_the_network_counts_them_for_the_limit() -> None:
    # X counts any link as 23: 250 letters, a space and a 120-character link count 274 of 280.
    text = "a" * 250 + " https://lemoine.fr/" + "b" * 100
    assert limit_offset(text, "x") is None
    assert limit_offset("a" * 300, "x") == 280


def test_the_preview_escapes_what_the_person_typed(owner: Membership, owner_client: Client) -> None:
    channel = ChannelFactory(workspace=owner.workspace, network="mastodon", name="<b>Salon</b>")
    response = owner_client.post(
        reverse("publishing:compose_preview", args=[owner.workspace.slug]),
        {"channels": [channel.pk], "text": '<script>alert("x")</script> #tag <img src=x onerror=alert(1)>'},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<script>" not in page and "<img src=x" not in page and "<b>Salon" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert '<span class="token-hashtag">#tag</span>' in page


def test_the_preview_shows_the_links_as_they_will_go_out(owner: Membership, owner_client: Client) -> None:
    from comptoir.publishing.models import LinkTracking

    LinkTracking.objects.create(workspace=owner.workspace, enabled=True, medium="social", campaign="noel")
    channel = ChannelFactory(workspace=owner.workspace, network="linkedin")
    page = owner_client.post(
        reverse("publishing:compose_preview", args=[owner.workspace.slug]),
        {"channels": [channel.pk], "text": "Voir https://lemoine.fr/menu"},
    ).content.decode()
    assert (
        '<span class="token-link">https://lemoine.fr/menu?utm_source=linkedin&amp;utm_medium=social'
        "&amp;utm_campaign=noel</span>" in page
    )


def test_the_preview_needs_the_right_to_write(owner: Membership) -> None:
    from comptoir.testing.factories import MembershipFactory
    from comptoir.workspaces.permissions import Role

    analyst = MembershipFactory(workspace=owner.workspace, role=Role.ANALYST)
    client = Client()
    client.force_login(analyst.user)
    response = client.post(reverse("publishing:compose_preview", args=[owner.workspace.slug]), {})
    assert response.status_code == 403
