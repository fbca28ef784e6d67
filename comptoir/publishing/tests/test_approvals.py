"""The approval workflow: submit, approve, request changes, reject, schedule, and who may do each."""

from __future__ import annotations

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

from comptoir.channels.models import Channel
from comptoir.publishing import approvals
from comptoir.publishing.approvals import Reviewer
from comptoir.publishing.models import ApprovalPolicy, Post, PostTarget, ReviewEvent
from comptoir.testing.factories import ChannelFactory, MembershipFactory, PostFactory, PostTargetFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import Role

State = PostTarget.State
Kind = ReviewEvent.Kind


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    # E-mails are written in the active language: the assertions read the source strings.
    with translation.override("en"):
        yield


@pytest.fixture
def editor(owner: Membership) -> Membership:
    membership: Membership = MembershipFactory(workspace=owner.workspace, role=Role.EDITOR)
    return membership


@pytest.fixture
def reviewer(owner: Membership) -> Membership:
    membership: Membership = MembershipFactory(workspace=owner.workspace, role=Role.REVIEWER)
    return membership


@pytest.fixture
def post(editor: Membership) -> Post:
    created: Post = PostFactory(workspace=editor.workspace, author=editor.user, title="Galette des rois")
    for network in ("matrix", "bluesky"):
        PostTargetFactory(
            post=created,
            channel=ChannelFactory(workspace=editor.workspace, network=network, name=f"Lemoine {network}"),
            text=f"Galettes à la frangipane ({network})",
            state=State.DRAFT,
            due_at=None,
            next_attempt_at=None,
        )
    return created


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Capture) -> Capture:
    """Runs the on-commit callbacks (the e-mails) when the block ends, as a real commit would."""
    return django_capture_on_commit_callbacks


def client_for(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def states(post: Post) -> set[str]:
    return set(post.targets.values_list("state", flat=True))


def submitted(post: Post, editor: Membership, **kwargs: object) -> Post:
    approvals.do_submit_for_review(post, editor.user, **kwargs)  # type: ignore[arg-type]
    mail.outbox.clear()
    return post


def test_submitting_sends_every_draft_target_to_review(post: Post, editor: Membership) -> None:
    event = approvals.do_submit_for_review(post, editor.user, comment="Pour l'Épiphanie")
    assert states(post) == {State.IN_REVIEW}
    assert (event.kind, event.actor, event.comment) == (Kind.SUBMITTED, editor.user, "Pour l'Épiphanie")


def test_submitting_writes_each_state_change_to_the_audit_log(post: Post, editor: Membership) -> None:
    approvals.do_submit_for_review(post, editor.user)
    entries = AuditEntry.objects.filter(workspace=post.workspace, object_type="posttarget")
    assert sorted(entry.object_id for entry in entries) == sorted(str(t.pk) for t in post.targets.all())
    assert all(entry.changes == {"state": ["draft", "in_review"]} for entry in entries)
    assert all(entry.actor == editor.user for entry in entries)


def test_chosen_reviewers_alone_are_told_of_a_submission(
    post: Post, editor: Membership, reviewer: Membership, owner: Membership, commit: Capture
) -> None:
    with commit(execute=True):
        approvals.do_submit_for_review(post, editor.user, reviewers=[reviewer.user])
    [message] = mail.outbox
    assert message.to == [reviewer.user.email]
    assert "Galette des rois" in message.subject
    assert f"/w/{post.workspace.slug}/posts/{post.pk}/" in message.body
    assert "Galettes à la frangipane (matrix)" in message.body


def test_without_a_choice_every_approver_is_told(
    post: Post, editor: Membership, reviewer: Membership, owner: Membership, commit: Capture
) -> None:
    with commit(execute=True):
        approvals.do_submit_for_review(post, editor.user)
    [message] = mail.outbox
    assert sorted(message.to) == sorted([reviewer.user.email, owner.user.email])


def test_a_reviewer_must_be_allowed_to_approve(post: Post, editor: Membership) -> None:
    other_editor = MembershipFactory(workspace=post.workspace, role=Role.EDITOR)
    with pytest.raises(ValidationError, match="may approve"):
        approvals.do_submit_for_review(post, editor.user, reviewers=[other_editor.user])
    assert states(post) == {State.DRAFT}


def test_only_a_draft_can_be_submitted(post: Post, editor: Membership) -> None:
    submitted(post, editor)
    with pytest.raises(ValidationError, match="Only a draft"):
        approvals.do_submit_for_review(post, editor.user)


def test_approving_makes_targets_approved_and_tells_the_author(
    post: Post, editor: Membership, reviewer: Membership, commit: Capture
) -> None:
    submitted(post, editor)
    with commit(execute=True):
        approvals.do_approve(post, Reviewer.member(reviewer.user), "Parfait")
    assert states(post) == {State.APPROVED}
    [message] = mail.outbox
    assert message.to == [editor.user.email]
    assert "Approved" in message.subject and "Parfait" in message.body
    entry = AuditEntry.objects.filter(object_type="posttarget", actor=reviewer.user).first()
    assert entry is not None and entry.changes == {"state": ["in_review", "approved"]}


def test_approving_a_post_with_a_planned_time_schedules_it_then(
    post: Post, editor: Membership, reviewer: Membership
) -> None:
    planned = timezone.now() + timedelta(days=2)
    submitted(post, editor, planned_at=planned)
    approvals.do_approve(post, Reviewer.member(reviewer.user))
    for target in post.targets.all():
        assert (target.state, target.due_at, target.next_attempt_at) == (State.SCHEDULED, planned, planned)
    assert AuditEntry.objects.filter(changes={"state": ["in_review", "scheduled"]}).count() == 2


def test_requesting_changes_needs_a_comment(post: Post, editor: Membership, reviewer: Membership) -> None:
    submitted(post, editor)
    with pytest.raises(ValidationError, match="comment"):
        approvals.do_request_changes(post, Reviewer.member(reviewer.user), "  ")
    assert states(post) == {State.IN_REVIEW}


def test_requesting_changes_sends_the_post_back_to_draft(
    post: Post, editor: Membership, reviewer: Membership, commit: Capture
) -> None:
    submitted(post, editor)
    with commit(execute=True):
        approvals.do_request_changes(post, Reviewer.member(reviewer.user), "Ajoutez le prix")
    assert states(post) == {State.DRAFT}
    [message] = mail.outbox
    assert "Changes requested" in message.subject and "Ajoutez le prix" in message.body


def test_a_rejected_post_is_a_draft_whose_last_decision_is_the_rejection(
    post: Post, editor: Membership, reviewer: Membership
) -> None:
    submitted(post, editor)
    approvals.do_reject(post, Reviewer.member(reviewer.user), "Hors ligne éditoriale")
    assert states(post) == {State.DRAFT}
    decision = approvals.last_decision(post)
    assert decision is not None and (decision.kind, decision.comment) == (
        Kind.REJECTED,
        "Hors ligne éditoriale",
    )
    page = client_for(editor).get(reverse("publishing:detail", args=[post.workspace.slug, post.pk]))
    assert "Rejected by" in page.content.decode()


def test_a_post_not_in_review_cannot_be_decided(post: Post, reviewer: Membership) -> None:
    with pytest.raises(ValidationError, match="not waiting for review"):
        approvals.do_approve(post, Reviewer.member(reviewer.user))


def test_workspace_requiring_approval_refuses_to_schedule_a_draft(post: Post, editor: Membership) -> None:
    approvals.do_set_approval_required(post.workspace, editor.user, True)
    with pytest.raises(ValidationError, match="requires approval before scheduling"):
        approvals.do_schedule(post, editor.user, timezone.now() + timedelta(hours=1))
    assert states(post) == {State.DRAFT}


def test_composer_cannot_schedule_when_approval_is_required(editor: Membership) -> None:
    channel: Channel = ChannelFactory(workspace=editor.workspace, network="mastodon")
    ApprovalPolicy.objects.create(workspace=editor.workspace, approval_required=True)
    response = client_for(editor).post(
        reverse("publishing:compose", args=[editor.workspace.slug]),
        {"title": "Soldes", "text": "Soldes !", "channels": [channel.pk], "when": "now"},
    )
    assert response.status_code == 200
    assert "requires approval before scheduling" in response.content.decode()
    assert not Post.objects.filter(title="Soldes").exists()


def test_an_approved_post_is_scheduled_at_the_chosen_time(
    post: Post, editor: Membership, reviewer: Membership
) -> None:
    approvals.do_set_approval_required(post.workspace, editor.user, True)
    submitted(post, editor)
    approvals.do_approve(post, Reviewer.member(reviewer.user))
    response = client_for(editor).post(
        reverse("publishing:schedule", args=[post.workspace.slug, post.pk]),
        {"publish_at": "2099-06-01T09:30"},
    )
    assert response.status_code == 302
    target = post.targets.first()
    assert target is not None and target.state == State.SCHEDULED
    assert target.due_at is not None and target.due_at.isoformat() == "2099-06-01T07:30:00+00:00"


def test_without_the_requirement_a_draft_is_scheduled_directly(post: Post, editor: Membership) -> None:
    approvals.do_schedule(post, editor.user, timezone.now() + timedelta(hours=1))
    assert states(post) == {State.SCHEDULED}


def test_editing_an_approved_post_sends_it_back_to_review(
    post: Post, editor: Membership, reviewer: Membership, commit: Capture
) -> None:
    submitted(post, editor, reviewers=[reviewer.user], planned_at=timezone.now() + timedelta(days=1))
    approvals.do_approve(post, Reviewer.member(reviewer.user))
    target = post.targets.get(channel__network="matrix")
    with commit(execute=True):
        response = client_for(editor).post(
            reverse("publishing:edit_variant", args=[post.workspace.slug, post.pk, target.pk]),
            {"text": "Galettes et couronnes"},
            follow=True,
        )
    assert "back in review" in response.content.decode()
    assert states(post) == {State.IN_REVIEW}
    assert post.review_events.last().kind == Kind.RESUBMITTED  # type: ignore[union-attr]
    [message] = mail.outbox
    assert message.to == [reviewer.user.email] and "edited after it had been approved" in message.body
    assert AuditEntry.objects.filter(
        changes__text=["Galettes à la frangipane (matrix)", "Galettes et couronnes"]
    )


def test_editing_a_draft_keeps_it_a_draft(post: Post, editor: Membership) -> None:
    target = post.targets.get(channel__network="matrix")
    approvals.do_edit_variant(target, editor.user, "Nouvelle galette")
    target.refresh_from_db()
    assert (target.state, target.text) == (State.DRAFT, "Nouvelle galette")


def test_a_variant_the_network_would_refuse_is_not_saved(post: Post, editor: Membership) -> None:
    target = post.targets.get(channel__network="bluesky")
    with pytest.raises(ValidationError, match="300"):
        approvals.do_edit_variant(target, editor.user, "é" * 301)


def test_the_post_page_says_why_a_variant_was_refused(post: Post, editor: Membership) -> None:
    target = post.targets.get(channel__network="bluesky")
    response = client_for(editor).post(
        reverse("publishing:edit_variant", args=[post.workspace.slug, post.pk, target.pk]),
        {"text": "é" * 301},
    )
    assert response.status_code == 200
    assert "300" in response.content.decode() and 'role="alert"' in response.content.decode()
    target.refresh_from_db()
    assert target.text == "Galettes à la frangipane (bluesky)"


def test_a_reviewer_decides_from_the_post_page(post: Post, editor: Membership, reviewer: Membership) -> None:
    submitted(post, editor)
    response = client_for(reviewer).post(
        reverse("publishing:decide", args=[post.workspace.slug, post.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    assert states(post) == {State.APPROVED}


def test_an_editor_may_not_decide(post: Post, editor: Membership) -> None:
    submitted(post, editor)
    response = client_for(editor).post(
        reverse("publishing:decide", args=[post.workspace.slug, post.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    assert states(post) == {State.IN_REVIEW}


def test_a_reviewer_may_not_submit_or_schedule(post: Post, reviewer: Membership) -> None:
    client = client_for(reviewer)
    slug = post.workspace.slug
    assert client.post(reverse("publishing:submit", args=[slug, post.pk])).status_code == 403
    schedule = client.post(
        reverse("publishing:schedule", args=[slug, post.pk]), {"publish_at": "2099-01-01T10:00"}
    )
    assert schedule.status_code == 403
    assert states(post) == {State.DRAFT}


def test_an_analyst_may_read_but_not_comment(post: Post) -> None:
    analyst = MembershipFactory(workspace=post.workspace, role=Role.ANALYST)
    client = client_for(analyst)
    assert client.get(reverse("publishing:detail", args=[post.workspace.slug, post.pk])).status_code == 200
    response = client.post(
        reverse("publishing:comment", args=[post.workspace.slug, post.pk]), {"comment": "Hm"}
    )
    assert response.status_code == 403
    assert not post.review_events.exists()


def test_comments_thread_on_the_post_page(post: Post, editor: Membership, reviewer: Membership) -> None:
    url = reverse("publishing:comment", args=[post.workspace.slug, post.pk])
    client_for(reviewer).post(url, {"comment": "Une photo <b>serait</b> bien"})
    client_for(editor).post(url, {"comment": "Je m'en occupe"})
    page = client_for(editor).get(reverse("publishing:detail", args=[post.workspace.slug, post.pk]))
    body = page.content.decode()
    assert "Une photo &lt;b&gt;serait&lt;/b&gt; bien" in body
    assert body.index("serait") < body.index("Je m&#x27;en occupe")


def test_the_post_page_offers_each_role_its_own_actions(
    post: Post, editor: Membership, reviewer: Membership
) -> None:
    submitted(post, editor)
    url = reverse("publishing:detail", args=[post.workspace.slug, post.pk])
    as_editor = client_for(editor).get(url).content.decode()
    as_reviewer = client_for(reviewer).get(url).content.decode()
    assert 'data-testid="decision-form"' not in as_editor and 'data-testid="review-links"' not in as_editor
    assert 'data-testid="decision-form"' in as_reviewer and 'data-testid="review-links"' in as_reviewer
    assert "Galettes à la frangipane (bluesky)" in as_reviewer and "In review" in as_reviewer


def test_approval_setting_is_changed_by_a_manager_and_audited(owner: Membership) -> None:
    response = client_for(owner).post(
        reverse("publishing:approval_settings", args=[owner.workspace.slug]), {"approval_required": "on"}
    )
    assert response.status_code == 302
    assert ApprovalPolicy.required_for(owner.workspace)
    entry = AuditEntry.objects.get(object_type="approvalpolicy")
    assert entry.changes == {"approval_required": [False, True]}
