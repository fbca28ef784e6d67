"""The publishing dashboard page: how reliably the workspace's posts went out over 7, 30 or 90 days."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from comptoir.publishing.dashboard import DEFAULT_PERIOD, PERIODS, publishing_dashboard
from comptoir.workspaces.decorators import workspace_view
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Permission


def chosen_period(raw: str | None) -> int:
    """One of PERIODS; anything else (a typo, a crafted URL) shows the default rather than an error."""
    return int(raw) if raw and raw.isdigit() and int(raw) in PERIODS else DEFAULT_PERIOD


@workspace_view(Permission.VIEW_POSTS)
def dashboard(request: HttpRequest, membership: Membership) -> HttpResponse:
    figures = publishing_dashboard(membership.workspace, chosen_period(request.GET.get("days")))
    return render(request, "publishing/dashboard.html", {"dashboard": figures, "periods": PERIODS})
