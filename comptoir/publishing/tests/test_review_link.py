"""External review links: a client approves, asks for changes or rejects one post without an account."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks as Capture

from comptoir.publishing import approvals
from comptoir.publishing.approvals import LINK_EVENTS_PER_HOUR, Reviewer
from comptoir.publishing.models import Media, Post, PostMedia, PostTarget, ReviewEvent, ReviewLink
from comptoir.testing.factories import ChannelFactory, MembershipFactory, PostFactory, PostTargetFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import Role
from comptoir.workspaces.tokens import hash_token

State = PostTarget.State


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def post(owner: Membership) -> Post:
    created: Post = PostFactory(workspace=owner.workspace, author=owner.user, title="Fête du pain")
    PostTargetFactory(
        post=created,
        channel=ChannelFactory(workspace=owner.workspace, network="matrix", name="Salon Lemoine"),
        text="<script>alert(1)</script> Pain & brioche",
        state=State.IN_REVIEW,
        due_at=None,
        next_attempt_at=None,
    )
    return created


@pytest.fixture
def link(post: Post, owner: Membership) -> tuple[ReviewLink, str]:
    return approvals.do_create_review_link(post, owner.user, label="Mme Lemoine")


def visitor() -> Client:
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def answer(token: str, **data: str) -> Client:
    """Opens the page (which sets the CSRF cookie) and posts the form with its token, as a browser does."""
    client = visitor()
    client.get(reverse("publishing:review_link", args=[token]))
    client.post(
        reverse("publishing:review_link", args=[token]),
        {"csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME].value, **data},
    )
    return client


def test_only_the_tokens_hash_is_stored(link: tuple[ReviewLink, str]) -> None:
    created, token = link
    row = ReviewLink.objects.filter(pk=created.pk).values().get()
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in [str(value) for value in row.values()]
    assert len(token) >= 40


def test_a_link_lasts_seven_days_unless_told_otherwise(post: Post, owner: Membership) -> None:
    default, _token = approvals.do_create_review_link(post, owner.user)
    short, _token = approvals.do_create_review_link(post, owner.user, days=2)
    assert abs(default.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    assert abs(short.expires_at - (timezone.now() + timedelta(days=2))) < timedelta(minutes=1)
    with pytest.raises(ValidationError, match="from 1 to 30 days"):
        approvals.do_create_review_link(post, owner.user, days=90)


def test_the_link_is_shown_once_on_the_post_page(post: Post, owner: Membership) -> None:
    client = Client()
    client.force_login(owner.user)
    response = client.post(
        reverse("publishing:create_review_link", args=[post.workspace.slug, post.pk]),
        {"label": "Client", "days": "3"},
    )
    created = ReviewLink.objects.get(post=post)
    [url] = [line for line in response.content.decode().split('"') if "/review/" in line]
    token = url.rsplit("/review/", 1)[1].strip("/")
    assert hash_token(token) == created.token_hash
    assert AuditEntry.objects.filter(
        object_type="reviewlink", object_id=str(created.pk), action="create"
    ).exists()
    page = client.get(reverse("publishing:detail", args=[post.workspace.slug, post.pk])).content.decode()
    assert token not in page


def test_the_public_page_shows_each_variant_escaped(link: tuple[ReviewLink, str]) -> None:
    response = visitor().get(reverse("publishing:review_link", args=[link[1]]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Pain &amp; brioche" in body
    assert "<script>alert(1)" not in body
    assert "Salon Lemoine" in body
    assert response["Referrer-Policy"] == "same-origin"


def test_the_public_page_shows_the_media_escaped(post: Post, link: tuple[ReviewLink, str]) -> None:
    image = Media.objects.create(
        workspace=post.workspace,
        file="media/galette.png",
        original_name="<b>galette</b>.png",
        mime_type="image/png",
        alt_text='Une galette "dorée" <img>',
    )
    PostMedia.objects.create(post=post, media=image)
    body = visitor().get(reverse("publishing:review_link", args=[link[1]])).content.decode()
    assert "&lt;b&gt;galette&lt;/b&gt;.png" in body
    assert 'alt="Une galette &quot;dorée&quot; &lt;img&gt;"' in body
    assert reverse("publishing:public_media", args=[image.public_token, "thumb"]) in body


def test_approving_through_the_link_is_audited_as_the_link_and_mailed_to_the_author(
    post: Post, owner: Membership, link: tuple[ReviewLink, str], django_capture_on_commit_callbacks: Capture
) -> None:
    editor = MembershipFactory(workspace=post.workspace, role=Role.EDITOR)
    Post.objects.filter(pk=post.pk).update(author=editor.user)
    with django_capture_on_commit_callbacks(execute=True):
        answer(link[1], name="Claire Lemoine", decision="approve", comment="Très bien")
    assert set(post.targets.values_list("state", flat=True)) == {State.APPROVED}
    event = ReviewEvent.objects.get(post=post)
    assert (event.kind, event.actor, event.actor_name, event.review_link) == (
        "approved",
        None,
        "Claire Lemoine",
        link[0],
    )
    entry = AuditEntry.objects.get(object_type="posttarget")
    assert entry.actor is None and entry.changes == {"state": ["in_review", "approved"]}
    assert entry.actor_label == f"Claire Lemoine (review link #{link[0].pk})"
    [message] = mail.outbox
    assert message.to == [editor.user.email] and "Claire Lemoine" in message.subject


def test_requesting_changes_through_the_link_needs_a_comment(
    link: tuple[ReviewLink, str], post: Post
) -> None:
    answer(link[1], name="Claire", decision="request_changes", comment="")
    assert set(post.targets.values_list("state", flat=True)) == {State.IN_REVIEW}
    answer(link[1], name="Claire", decision="request_changes", comment="Le prix manque")
    assert set(post.targets.values_list("state", flat=True)) == {State.DRAFT}


def test_rejecting_through_the_link(link: tuple[ReviewLink, str], post: Post) -> None:
    answer(link[1], name="Claire", decision="reject", comment="Pas cette semaine")
    decision = approvals.last_decision(post)
    assert decision is not None and (decision.kind, decision.comment) == ("rejected", "Pas cette semaine")


def test_a_name_is_required(link: tuple[ReviewLink, str], post: Post) -> None:
    answer(link[1], name="", decision="approve")
    assert set(post.targets.values_list("state", flat=True)) == {State.IN_REVIEW}


def test_a_post_without_the_csrf_token_is_refused(link: tuple[ReviewLink, str], post: Post) -> None:
    response = visitor().post(
        reverse("publishing:review_link", args=[link[1]]), {"name": "X", "decision": "approve"}
    )
    assert response.status_code == 403
    assert set(post.targets.values_list("state", flat=True)) == {State.IN_REVIEW}


def test_an_expired_link_answers_410_and_decides_nothing(link: tuple[ReviewLink, str], post: Post) -> None:
    ReviewLink.objects.filter(pk=link[0].pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = visitor().get(reverse("publishing:review_link", args=[link[1]]))
    assert response.status_code == 410 and "expired or was revoked" in response.content.decode()
    link[0].refresh_from_db()
    with pytest.raises(ValidationError, match="expired or was revoked"):
        approvals.do_approve(post, Reviewer.through_link(link[0], "Claire"))


def test_a_revoked_link_answers_410(post: Post, owner: Membership, link: tuple[ReviewLink, str]) -> None:
    client = Client()
    client.force_login(owner.user)
    client.post(reverse("publishing:revoke_review_link", args=[post.workspace.slug, post.pk, link[0].pk]))
    assert visitor().get(reverse("publishing:review_link", args=[link[1]])).status_code == 410
    assert AuditEntry.objects.filter(object_type="reviewlink", changes={"revoked": [False, True]}).exists()


def test_an_unknown_token_answers_404(db: None) -> None:
    response = visitor().get(reverse("publishing:review_link", args=["not-a-token"]))
    assert response.status_code == 404 and "Unknown review link" in response.content.decode()


def test_a_link_only_decides_its_own_post(owner: Membership, link: tuple[ReviewLink, str]) -> None:
    other: Post = PostFactory(workspace=owner.workspace)
    PostTargetFactory(post=other, state=State.IN_REVIEW, due_at=None, next_attempt_at=None)
    with pytest.raises(ValidationError):
        approvals.do_approve(other, Reviewer.through_link(link[0], "Claire"))
    assert other.targets.get().state == State.IN_REVIEW


def test_too_many_answers_through_one_link_are_throttled(link: tuple[ReviewLink, str], post: Post) -> None:
    for number in range(LINK_EVENTS_PER_HOUR):
        ReviewEvent.objects.create(
            post=post, kind="commented", review_link=link[0], actor_name=f"Bot {number}"
        )
    client = visitor()
    url = reverse("publishing:review_link", args=[link[1]])
    client.get(url)
    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME].value,
            "name": "X",
            "decision": "approve",
        },
    )
    assert response.status_code == 429
    assert set(post.targets.values_list("state", flat=True)) == {State.IN_REVIEW}


def test_only_approvers_create_or_revoke_links(post: Post, link: tuple[ReviewLink, str]) -> None:
    editor = MembershipFactory(workspace=post.workspace, role=Role.EDITOR)
    client = Client()
    client.force_login(editor.user)
    slug = post.workspace.slug
    assert (
        client.post(reverse("publishing:create_review_link", args=[slug, post.pk]), {"days": "7"}).status_code
        == 403
    )
    assert (
        client.post(reverse("publishing:revoke_review_link", args=[slug, post.pk, link[0].pk])).status_code
        == 403
    )
    link[0].refresh_from_db()
    assert link[0].revoked_at is None
