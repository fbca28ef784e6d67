"""Web views of the review workflow: the post page with its thread and actions, and the public review link."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from comptoir.publishing import approvals, queries
from comptoir.publishing.approvals import Reviewer, ReviewLinkThrottled
from comptoir.publishing.models import ApprovalPolicy, Post, PostTarget, ReviewEvent
from comptoir.publishing.review_forms import (
    ApprovalPolicyForm,
    CommentForm,
    DecisionForm,
    LinkDecisionForm,
    ReviewLinkForm,
    ScheduleForm,
    SubmitForm,
    VariantForm,
)
from comptoir.workspaces.decorators import workspace_view
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Permission

State = PostTarget.State
DECIDE = {
    "approve": approvals.do_approve,
    "request_changes": approvals.do_request_changes,
    "reject": approvals.do_reject,
}


def _detail(
    request: HttpRequest, membership: Membership, post: Post, status: int = 200, **overrides: Any
) -> HttpResponse:
    """The post page; `overrides` puts a bound form with its errors (or a new link) in place of the blank one."""
    workspace = membership.workspace
    targets = list(post.targets.all())
    states = {target.state for target in targets}
    required = ApprovalPolicy.required_for(workspace)
    approved = approvals.is_approved(post)
    allows = membership.allows
    context = {
        "post": post,
        "targets": targets,
        "events": queries.review_thread(post),
        "attachments": post.attachments.select_related("media"),
        "last_decision": approvals.last_decision(post),
        "approval_required": required,
        "approved": approved,
        "can_submit": allows(Permission.CREATE_POSTS) and State.DRAFT in states,
        "can_decide": allows(Permission.APPROVE_POSTS) and State.IN_REVIEW in states,
        "can_comment": allows(Permission.CREATE_POSTS) or allows(Permission.APPROVE_POSTS),
        "can_schedule": allows(Permission.PUBLISH_POSTS)
        and (State.APPROVED in states or (State.DRAFT in states and not required)),
        "can_edit": allows(Permission.CREATE_POSTS),
        "can_share": allows(Permission.APPROVE_POSTS),
        "editable_states": approvals.EDITABLE_STATES,
        "links": queries.review_links_of(post) if allows(Permission.APPROVE_POSTS) else [],
        "submit_form": SubmitForm(workspace),
        "decision_form": DecisionForm(),
        "comment_form": CommentForm(),
        "schedule_form": ScheduleForm(workspace),
        "link_form": ReviewLinkForm(),
        "edit_errors": {},
        **overrides,
    }
    return render(request, "publishing/review_post.html", context, status=status)


@workspace_view(Permission.VIEW_POSTS)
def post_detail(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    return _detail(request, membership, queries.post_in(membership.workspace, post_id))


@workspace_view(Permission.CREATE_POSTS)
@require_POST
def submit_for_review(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    post = queries.post_in(membership.workspace, post_id)
    form = SubmitForm(membership.workspace, request.POST)
    if form.is_valid():
        try:
            approvals.do_submit_for_review(
                post,
                membership.user,
                reviewers=list(form.cleaned_data["reviewers"]),
                planned_at=form.moment.utc if form.moment else None,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Sent for review."))
            return redirect("publishing:detail", workspace=membership.workspace.slug, post_id=post.pk)
    return _detail(request, membership, post, submit_form=form)


@workspace_view(Permission.APPROVE_POSTS)
@require_POST
def decide(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    post = queries.post_in(membership.workspace, post_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            event = DECIDE[form.cleaned_data["decision"]](
                post, Reviewer.member(membership.user), form.cleaned_data["comment"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Decision recorded: %(decision)s.") % {"decision": event.get_kind_display()}
            )
            return redirect("publishing:detail", workspace=membership.workspace.slug, post_id=post.pk)
    return _detail(request, membership, post, decision_form=form)


@workspace_view(Permission.VIEW_POSTS)
@require_POST
def comment(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    post = queries.post_in(membership.workspace, post_id)
    if not (membership.allows(Permission.CREATE_POSTS) or membership.allows(Permission.APPROVE_POSTS)):
        raise PermissionDenied(_("Your role may read posts but not comment on them."))
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            approvals.do_comment(post, Reviewer.member(membership.user), form.cleaned_data["comment"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("publishing:detail", workspace=membership.workspace.slug, post_id=post.pk)
    return _detail(request, membership, post, comment_form=form)


@workspace_view(Permission.PUBLISH_POSTS)
@require_POST
def schedule(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    post = queries.post_in(membership.workspace, post_id)
    form = ScheduleForm(membership.workspace, request.POST)
    if form.is_valid() and form.moment is not None:
        try:
            approvals.do_schedule(post, membership.user, form.moment.utc)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Scheduled."))
            return redirect("publishing:detail", workspace=membership.workspace.slug, post_id=post.pk)
    return _detail(request, membership, post, schedule_form=form)


@workspace_view(Permission.CREATE_POSTS)
@require_POST
def edit_variant(request: HttpRequest, membership: Membership, post_id: int, target_id: int) -> HttpResponse:
    post = queries.post_in(membership.workspace, post_id)
    target = get_object_or_404(PostTarget.objects.select_related("channel", "post"), pk=target_id, post=post)
    was_approved = approvals.is_approved(post)
    form = VariantForm(request.POST)
    if form.is_valid():
        try:
            approvals.do_edit_variant(target, membership.user, form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if was_approved and not approvals.is_approved(post):
                messages.warning(request, _("The text changed after approval: the post is back in review."))
            else:
                messages.success(request, _("Text saved."))
            return redirect("publishing:detail", workspace=membership.workspace.slug, post_id=post.pk)
    errors = [error for errors in form.errors.values() for error in errors]
    return _detail(request, membership, post, edit_errors={target.pk: errors})


@workspace_view(Permission.APPROVE_POSTS)
@require_POST
def create_review_link(request: HttpRequest, membership: Membership, post_id: int) -> HttpResponse:
    post = queries.post_in(membership.workspace, post_id)
    form = ReviewLinkForm(request.POST)
    if form.is_valid():
        try:
            link, token = approvals.do_create_review_link(
                post, membership.user, days=form.cleaned_data["days"], label=form.cleaned_data["label"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The token exists only in this answer: the database keeps its hash.
            return _detail(
                request, membership, post, new_link=link, new_link_url=approvals.review_link_url(token)
            )
    return _detail(request, membership, post, link_form=form)


@workspace_view(Permission.APPROVE_POSTS)
@require_POST
def revoke_review_link(
    request: HttpRequest, membership: Membership, post_id: int, link_id: int
) -> HttpResponse:
    link = queries.review_link_in(membership.workspace, post_id, link_id)
    approvals.do_revoke_review_link(link, membership.user)
    messages.success(request, _("The review link no longer opens."))
    return redirect("publishing:detail", workspace=membership.workspace.slug, post_id=post_id)


@workspace_view(Permission.MANAGE_WORKSPACE)
def approval_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = ApprovalPolicyForm(
        request.POST or None, initial={"approval_required": ApprovalPolicy.required_for(workspace)}
    )
    if request.method == "POST" and form.is_valid():
        approvals.do_set_approval_required(workspace, membership.user, form.cleaned_data["approval_required"])
        messages.success(request, _("Settings saved."))
        return redirect("publishing:approval_settings", workspace=workspace.slug)
    return render(request, "publishing/review_settings.html", {"form": form})


# The public review link -----------------------------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: keep it out of other sites' Referer headers, search engines and shared caches.
    # (Not "no-referrer": the browser would then send "Origin: null" with the form, which CSRF refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
def review_link(request: HttpRequest, token: str) -> HttpResponse:
    link = approvals.find_review_link(token)
    if link is None or not link.is_active:
        status = 404 if link is None else 410
        return _private(render(request, "publishing/review_link_gone.html", {"link": link}, status=status))
    post = link.post
    form = LinkDecisionForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            reviewer = Reviewer.through_link(link, form.cleaned_data["name"])
            DECIDE[form.cleaned_data["decision"]](post, reviewer, form.cleaned_data["comment"])
        except ValidationError as error:
            form.add_error(None, error)
        except ReviewLinkThrottled:
            form.add_error(None, _("Too many answers through this link: try again in an hour."))
            status = 429
        else:
            messages.success(request, _("Thank you, your answer was sent to the team."))
            return _private(redirect("publishing:review_link", token=token))
    targets = list(post.targets.select_related("channel").order_by("channel__name"))
    context = {
        "link": link,
        "post": post,
        "targets": targets,
        "attachments": post.attachments.select_related("media"),
        "waiting": any(target.state == State.IN_REVIEW for target in targets),
        "events": ReviewEvent.objects.filter(review_link=link),
        "form": form,
    }
    return _private(render(request, "publishing/review_link.html", context, status=status))
