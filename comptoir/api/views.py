"""Web pages to create and revoke one's API tokens for a workspace."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.api.actions import do_create_api_token, do_revoke_api_token
from comptoir.api.forms import ApiTokenForm
from comptoir.api.models import ApiToken
from comptoir.workspaces.decorators import workspace_view
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Permission


@workspace_view(Permission.MANAGE_API_TOKENS)
def api_tokens(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = ApiTokenForm(request.POST or None, initial={"role": membership.role})
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = do_create_api_token(
                membership,
                form.cleaned_data["name"],
                form.cleaned_data["role"],
                form.cleaned_data["expires_at"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Token “%(name)s” created. Copy it now: it will not be shown again.")
                % {"name": token.name},
            )
            form = ApiTokenForm(initial={"role": membership.role})
    tokens = ApiToken.objects.filter(workspace=membership.workspace, user=membership.user, revoked_at=None)
    return render(request, "api/tokens.html", {"form": form, "tokens": tokens, "secret": secret})


@workspace_view(Permission.MANAGE_API_TOKENS)
@require_POST
def revoke_api_token(request: HttpRequest, membership: Membership, token_id: int) -> HttpResponse:
    token = ApiToken.objects.filter(
        workspace=membership.workspace, user=membership.user, id=token_id, revoked_at=None
    ).first()
    if token is None:
        raise Http404("No such token.")
    do_revoke_api_token(token, membership.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api_tokens", workspace=membership.workspace.slug)
