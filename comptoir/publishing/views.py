"""Web views: the list of posts with each target's state, and the composer with its live length check."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.publishing import actions, queries
from comptoir.publishing.forms import ComposerForm
from comptoir.workspaces.decorators import workspace_view
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Permission

POSTS_PER_PAGE = 25


@workspace_view(Permission.VIEW_POSTS)
def post_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    page = Paginator(queries.posts_of(membership.workspace), POSTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "publishing/list.html", {"page": page})


@workspace_view(Permission.CREATE_POSTS)
def compose(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = ComposerForm(workspace, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if request.POST.get("when", "draft") != "draft" and not membership.allows(Permission.PUBLISH_POSTS):
            raise PermissionDenied(_("Your role may write posts but not publish them."))
        if form.is_valid():
            try:
                actions.do_create_post(
                    workspace,
                    membership.user,
                    title=form.cleaned_data["title"],
                    internal_note=form.cleaned_data["internal_note"],
                    variants=form.variants(),
                    publish_at=form.publish_at_utc(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                _confirm(request, form)
                return redirect("publishing:list", workspace=workspace.slug)
    return render(request, "publishing/compose.html", {"form": form, "checks": form.variant_checks()})


def _confirm(request: HttpRequest, form: ComposerForm) -> None:
    moment = form.moment
    if moment is not None and moment.nonexistent:
        messages.warning(
            request,
            _(
                "That time does not exist on that day in %(zone)s (the clocks go forward): "
                "the post is scheduled at the same moment an hour later on the clock."
            )
            % {"zone": form.workspace.time_zone},
        )
    elif moment is not None and moment.ambiguous:
        messages.warning(
            request,
            _(
                "That time happens twice on that day in %(zone)s (the clocks go back): the first one was taken."
            )
            % {"zone": form.workspace.time_zone},
        )
    messages.success(request, _("“%(title)s” is saved.") % {"title": form.cleaned_data["title"]})


@workspace_view(Permission.CREATE_POSTS)
@require_POST
def variant_checks(request: HttpRequest, membership: Membership) -> HttpResponse:
    """HTMX: the composer's live report, per ticked channel, of the text's length and the network's limits."""
    form = ComposerForm(membership.workspace, request.POST)
    return render(request, "publishing/_checks.html", {"checks": form.variant_checks()})
