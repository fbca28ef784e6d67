"""The review workflow: submitting a post, members' and review links' decisions, comments, and scheduling.

A rejected post goes back to `draft`, like one whose reviewer asked for changes; what tells them apart is the
decision recorded in its review thread (`ReviewEvent`), which the post page shows. The publisher's states stay
the ones it knows.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.publishing.actions import check_variant
from comptoir.publishing.jobs import enqueue_near_due
from comptoir.publishing.models import ApprovalPolicy, Post, PostTarget, ReviewEvent, ReviewLink
from comptoir.publishing.publisher import move
from comptoir.system.jobs import send_email
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Membership, Workspace
from comptoir.workspaces.permissions import Permission, role_allows
from comptoir.workspaces.tokens import hash_token

State = PostTarget.State
Kind = ReviewEvent.Kind

REVIEW_LINK_DAYS = 7
MAX_REVIEW_LINK_DAYS = 30
# A review link is a public door: past this many comments and decisions an hour it answers 429.
LINK_EVENTS_PER_HOUR = 20
# A variant may be edited until the publisher claims it.
EDITABLE_STATES = frozenset({State.DRAFT, State.IN_REVIEW, State.APPROVED, State.SCHEDULED})


class ReviewLinkThrottled(Exception):
    """Too many comments or decisions through one review link within the hour."""


@dataclass(frozen=True)
class Reviewer:
    """Who acts on a review: a member, or someone holding a review link (then `name` is what they typed)."""

    user: User | None
    name: str
    link: ReviewLink | None = None

    @classmethod
    def member(cls, user: User) -> Reviewer:
        return cls(user=user, name=str(user))

    @classmethod
    def through_link(cls, link: ReviewLink, name: str) -> Reviewer:
        name = name.strip()
        if not name:
            raise ValidationError(_("Give your name, so the team knows who answered."))
        return cls(user=None, name=name[:120], link=link)

    @property
    def audit_label(self) -> str:
        if self.link is not None:
            return _("%(name)s (review link #%(id)s)") % {"name": self.name, "id": self.link.pk}
        return self.user.email if self.user else "system"


# Reads ----------------------------------------------------------------------------------------------------


def approvers_of(workspace: Workspace) -> list[User]:
    """The members whose role may approve posts."""
    memberships = Membership.objects.filter(workspace=workspace).select_related("user")
    return [m.user for m in memberships if role_allows(m.role, Permission.APPROVE_POSTS)]


def last_decision(post: Post) -> ReviewEvent | None:
    events = post.review_events.filter(kind__in=[Kind.APPROVED, Kind.CHANGES_REQUESTED, Kind.REJECTED])
    return events.order_by("-created_at", "-id").first()


def is_approved(post: Post) -> bool:
    """Approved by its last decision, with nothing sent back to review since."""
    decision = last_decision(post)
    if decision is None or decision.kind != Kind.APPROVED:
        return False
    return not post.review_events.filter(
        kind__in=[Kind.SUBMITTED, Kind.RESUBMITTED], created_at__gt=decision.created_at
    ).exists()


def review_link_url(token: str) -> str:
    return f"{settings.COMPTOIR_BASE_URL}{reverse('publishing:review_link', args=[token])}"


def post_url(post: Post) -> str:
    return f"{settings.COMPTOIR_BASE_URL}{reverse('publishing:detail', args=[post.workspace.slug, post.pk])}"


def find_review_link(token: str) -> ReviewLink | None:
    """The link this token opens, active or not; None for a token nobody was given."""
    return (
        ReviewLink.objects.select_related("post__workspace", "post__author")
        .filter(token_hash=hash_token(token))
        .first()
    )


# Writes ---------------------------------------------------------------------------------------------------


def _transition(
    post: Post, reviewer: Reviewer, targets: Iterable[PostTarget], to: str, **fields: Any
) -> list[PostTarget]:
    """Moves each target to `to` and audits it; a target another worker moved meanwhile is left alone."""
    moved = []
    for target in targets:
        before = target.state
        if move(target.pk, {before}, to, **fields):
            target.refresh_from_db()
            _audit_state(post, reviewer, target, before)
            moved.append(target)
    return moved


def _audit_state(post: Post, reviewer: Reviewer, target: PostTarget, before: str) -> None:
    audit.record(
        post.workspace,
        reviewer.user,
        AuditEntry.Action.UPDATE,
        target,
        {"state": [before, target.state]},
        actor_label=reviewer.audit_label,
    )


def _record_event(post: Post, reviewer: Reviewer, kind: str, comment: str = "") -> ReviewEvent:
    event = ReviewEvent.objects.create(
        post=post,
        kind=kind,
        actor=reviewer.user,
        review_link=reviewer.link,
        actor_name=reviewer.name,
        comment=comment.strip(),
    )
    audit.record(
        post.workspace,
        reviewer.user,
        AuditEntry.Action.CREATE,
        event,
        audit.changed({}, {"post": str(post.pk), "kind": kind, "comment": event.comment}),
        actor_label=reviewer.audit_label,
    )
    return event


def check_reviewers(workspace: Workspace, reviewers: Sequence[User]) -> None:
    allowed = {user.pk for user in approvers_of(workspace)}
    if any(user.pk not in allowed for user in reviewers):
        raise ValidationError(_("Reviewers must be members of this workspace who may approve posts."))


@transaction.atomic
def do_submit_for_review(
    post: Post,
    actor: User,
    *,
    reviewers: Sequence[User] = (),
    planned_at: datetime | None = None,
    comment: str = "",
) -> ReviewEvent:
    """Sends the post's draft targets to review. With `planned_at` (UTC), approval schedules them at that time."""
    check_reviewers(post.workspace, reviewers)
    if planned_at is not None and planned_at < timezone.now():
        raise ValidationError(_("This time has already passed."))
    drafts = list(post.targets.filter(state=State.DRAFT))
    if not drafts:
        raise ValidationError(_("Only a draft can be submitted for review."))
    fields = {} if planned_at is None else {"due_at": planned_at, "next_attempt_at": planned_at}
    _transition(post, Reviewer.member(actor), drafts, State.IN_REVIEW, **fields)
    event = _record_event(post, Reviewer.member(actor), Kind.SUBMITTED, comment)
    event.reviewers.set(reviewers)
    transaction.on_commit(lambda: notify_reviewers(event.pk))
    return event


def do_approve(post: Post, reviewer: Reviewer, comment: str = "") -> ReviewEvent:
    return _decide(post, reviewer, Kind.APPROVED, comment)


def do_request_changes(post: Post, reviewer: Reviewer, comment: str) -> ReviewEvent:
    return _decide(post, reviewer, Kind.CHANGES_REQUESTED, comment)


def do_reject(post: Post, reviewer: Reviewer, comment: str) -> ReviewEvent:
    return _decide(post, reviewer, Kind.REJECTED, comment)


@transaction.atomic
def _decide(post: Post, reviewer: Reviewer, kind: str, comment: str) -> ReviewEvent:
    _check_link(post, reviewer)
    if kind != Kind.APPROVED and not comment.strip():
        raise ValidationError(_("Say what should change, or why the post is rejected, in a comment."))
    waiting = list(post.targets.filter(state=State.IN_REVIEW))
    if not waiting:
        raise ValidationError(_("This post is not waiting for review."))
    if kind == Kind.APPROVED:
        scheduled = _approve(post, reviewer, waiting)
        transaction.on_commit(lambda: enqueue_near_due(scheduled, timezone.now()))
    else:
        _transition(post, reviewer, waiting, State.DRAFT)
    event = _record_event(post, reviewer, kind, comment)
    transaction.on_commit(lambda: notify_author_of_decision(event.pk))
    return event


def _approve(post: Post, reviewer: Reviewer, waiting: list[PostTarget]) -> list[PostTarget]:
    """Approves the targets; those with a planned time still ahead are scheduled for it at once."""
    now = timezone.now()
    scheduled = []
    for target in waiting:
        if not move(target.pk, {State.IN_REVIEW}, State.APPROVED):
            continue
        if target.due_at is not None and target.due_at > now:
            move(target.pk, {State.APPROVED}, State.SCHEDULED, next_attempt_at=target.due_at)
        target.refresh_from_db()
        _audit_state(post, reviewer, target, State.IN_REVIEW)
        if target.state == State.SCHEDULED:
            scheduled.append(target)
    return scheduled


@transaction.atomic
def do_comment(post: Post, reviewer: Reviewer, comment: str) -> ReviewEvent:
    _check_link(post, reviewer)
    if not comment.strip():
        raise ValidationError(_("Write a comment first."))
    return _record_event(post, reviewer, Kind.COMMENTED, comment)


@transaction.atomic
def do_schedule(post: Post, actor: User, publish_at: datetime) -> list[PostTarget]:
    """Schedules the approved targets (and the drafts, where the workspace does not require approval)."""
    if publish_at < timezone.now() - timedelta(minutes=1):
        raise ValidationError(_("This time has already passed."))
    ready = list(post.targets.filter(state=State.APPROVED))
    if not ApprovalPolicy.required_for(post.workspace):
        ready += list(post.targets.filter(state=State.DRAFT))
    elif not ready and post.targets.filter(state__in=[State.DRAFT, State.IN_REVIEW]).exists():
        ApprovalPolicy.check_may_schedule_unapproved(post.workspace)
    if not ready:
        raise ValidationError(_("Nothing to schedule: no channel of this post is approved or a draft."))
    scheduled = _transition(
        post, Reviewer.member(actor), ready, State.SCHEDULED, due_at=publish_at, next_attempt_at=publish_at
    )
    transaction.on_commit(lambda: enqueue_near_due(scheduled, timezone.now()))
    return scheduled


@transaction.atomic
def do_edit_variant(target: PostTarget, actor: User, text: str) -> PostTarget:
    """Changes one channel's text; an approved post goes back to its reviewers, who approved other words."""
    text = text.strip()
    problems = check_variant(target.channel, text) if text else [_("The text cannot be empty.")]
    if problems:
        raise ValidationError(problems)
    before = target.text
    if text == before:
        return target
    changed = PostTarget.objects.filter(pk=target.pk, state__in=EDITABLE_STATES).update(
        text=text, updated_at=timezone.now()
    )
    if changed != 1:
        raise ValidationError(_("This channel's post is being published or done: it cannot be edited."))
    target.refresh_from_db()
    post = target.post
    audit.record(post.workspace, actor, AuditEntry.Action.UPDATE, target, {"text": [before, text]})
    if is_approved(post):
        back = post.targets.filter(state__in=[State.APPROVED, State.SCHEDULED])
        _transition(post, Reviewer.member(actor), list(back), State.IN_REVIEW)
        event = _record_event(post, Reviewer.member(actor), Kind.RESUBMITTED)
        submitted = post.review_events.filter(kind=Kind.SUBMITTED).order_by("-created_at", "-id").first()
        if submitted is not None:
            event.reviewers.set(submitted.reviewers.all())
        transaction.on_commit(lambda: notify_reviewers(event.pk))
        target.refresh_from_db()
    return target


@transaction.atomic
def do_set_approval_required(workspace: Workspace, actor: User, required: bool) -> ApprovalPolicy:
    policy, _created = ApprovalPolicy.objects.get_or_create(workspace=workspace)
    if policy.approval_required != required:
        audit.record(
            workspace,
            actor,
            AuditEntry.Action.UPDATE,
            policy,
            {"approval_required": [policy.approval_required, required]},
        )
        policy.approval_required = required
        policy.save(update_fields=["approval_required"])
    return policy


# Review links ---------------------------------------------------------------------------------------------


@transaction.atomic
def do_create_review_link(
    post: Post, actor: User, *, days: int = REVIEW_LINK_DAYS, label: str = ""
) -> tuple[ReviewLink, str]:
    """Returns the link and its token; only the token's hash is stored, so the token is shown once."""
    if not 1 <= days <= MAX_REVIEW_LINK_DAYS:
        raise ValidationError(
            _("A review link lasts from 1 to %(days)s days.") % {"days": MAX_REVIEW_LINK_DAYS}
        )
    token = secrets.token_urlsafe(32)
    link = ReviewLink.objects.create(
        post=post,
        token_hash=hash_token(token),
        label=label.strip()[:120],
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.record_create(post.workspace, actor, link, ["post", "label", "expires_at"])
    return link, token


@transaction.atomic
def do_revoke_review_link(link: ReviewLink, actor: User) -> None:
    if link.revoked_at is not None:
        return
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    audit.record(link.post.workspace, actor, AuditEntry.Action.UPDATE, link, {"revoked": [False, True]})


def _check_link(post: Post, reviewer: Reviewer) -> None:
    link = reviewer.link
    if link is None:
        return
    if link.post_id != post.pk or not link.is_active:
        raise ValidationError(_("This review link has expired or was revoked."))
    hour_ago = timezone.now() - timedelta(hours=1)
    if ReviewEvent.objects.filter(review_link=link, created_at__gte=hour_ago).count() >= LINK_EVENTS_PER_HOUR:
        raise ReviewLinkThrottled


# Notifications --------------------------------------------------------------------------------------------


def notify_reviewers(event_id: int) -> None:
    """Tells the chosen reviewers (or, when none was chosen, everyone who may approve) that a post waits."""
    event = ReviewEvent.objects.select_related("post__workspace", "actor").get(pk=event_id)
    post = event.post
    chosen = list(event.reviewers.all())
    recipients = sorted(
        {user.email for user in chosen or approvers_of(post.workspace) if user.pk != event.actor_id}
    )
    if not recipients:
        return
    subject = _("“%(title)s” waits for your review") % {"title": post.title}
    body = render_to_string(
        "publishing/email/review_requested.txt", {"event": event, "post": post, "url": post_url(post)}
    )
    send_email(subject, body, recipients)


def notify_author_of_decision(event_id: int) -> None:
    event = ReviewEvent.objects.select_related("post__workspace", "post__author").get(pk=event_id)
    author = event.post.author
    if author is None or author.pk == event.actor_id:
        return
    subject = _("“%(title)s”: %(decision)s by %(name)s") % {
        "title": event.post.title,
        "decision": event.get_kind_display(),
        "name": event.actor_name,
    }
    body = render_to_string(
        "publishing/email/review_decided.txt",
        {"event": event, "post": event.post, "url": post_url(event.post)},
    )
    send_email(subject, body, [author.email])
