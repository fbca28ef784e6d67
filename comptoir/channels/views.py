"""Web views: the channel list with health, connecting (form or OAuth), reconnecting and removing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.accounts.models import User
from comptoir.channels import actions, oauth_flows, queries
from comptoir.channels.catalogue import NETWORKS, ConnectMethod, Network
from comptoir.channels.forms import ConnectForm
from comptoir.workspaces.decorators import workspace_view
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Permission
from comptoir.workspaces.queries import access_workspace

OAUTH_SESSION_KEY = "channel_oauth"


def _network(key: str) -> Network:
    if key not in NETWORKS:
        raise Http404("No such network.")
    return NETWORKS[key]


@workspace_view(Permission.VIEW_CHANNELS)
def channel_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    context = {"channels": queries.channels_of(membership.workspace), "networks": NETWORKS.values()}
    return render(request, "channels/list.html", context)


def _redirect_uri(request: HttpRequest, network: str) -> str:
    return request.build_absolute_uri(reverse("channels:oauth_callback", args=[network]))


def _connect_or_start(
    request: HttpRequest, membership: Membership, network: Network, form: ConnectForm
) -> HttpResponse | None:
    """Connects at once (form networks) or sends the person to the network (OAuth); None when the form has errors."""
    try:
        if network.method is ConnectMethod.OAUTH:
            redirect_uri = _redirect_uri(request, network.key)
            flow = oauth_flows.start(network.key, redirect_uri, form.cleaned_data)
            request.session[OAUTH_SESSION_KEY] = {
                "state": flow.state,
                "network": network.key,
                "workspace": membership.workspace.slug,
                "pending": flow.pending,
            }
            return redirect(flow.url)
        connection = actions.establish_connection(network.key, form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return None
    channel = actions.do_connect_channel(membership.workspace, membership.user, network.key, connection)
    messages.success(request, _("“%(name)s” is connected.") % {"name": channel.name})
    return redirect("channels:list", workspace=membership.workspace.slug)


@workspace_view(Permission.MANAGE_CHANNELS)
def connect(request: HttpRequest, membership: Membership, network: str) -> HttpResponse:
    chosen = _network(network)
    form = ConnectForm(chosen, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        response = _connect_or_start(request, membership, chosen, form)
        if response is not None:
            return response
    return render(request, "channels/connect.html", {"network": chosen, "form": form, "channel": None})


@workspace_view(Permission.MANAGE_CHANNELS)
def reconnect(request: HttpRequest, membership: Membership, channel_id: int) -> HttpResponse:
    channel = queries.channel_of(membership.workspace, channel_id)
    chosen = _network(channel.network)
    form = ConnectForm(chosen, request.POST if request.method == "POST" else None, known=channel.settings)
    if request.method == "POST" and form.is_valid():
        response = _connect_or_start(request, membership, chosen, form)
        if response is not None:
            return response
    return render(request, "channels/connect.html", {"network": chosen, "form": form, "channel": channel})


@login_required
def oauth_callback(request: HttpRequest, network: str) -> HttpResponse:
    """The network sends the person back here; the state in the session ties the answer to its request."""
    pending = request.session.pop(OAUTH_SESSION_KEY, None)
    if not pending or pending["network"] != network or request.GET.get("state") != pending["state"]:
        messages.error(
            request, _("This connection attempt expired or was not started here. Please try again.")
        )
        return redirect("home")
    assert isinstance(request.user, User)
    membership = access_workspace(request.user, pending["workspace"], Permission.MANAGE_CHANNELS)
    code = request.GET.get("code", "")
    if not code:
        reason = (
            request.GET.get("error_description") or request.GET.get("error") or _("access was not granted")
        )
        messages.error(
            request, _("The network did not connect the account: %(reason)s.") % {"reason": reason}
        )
        return redirect("channels:list", workspace=membership.workspace.slug)
    try:
        params = oauth_flows.connect_params(
            network, pending["pending"], code, _redirect_uri(request, network)
        )
        connection = actions.establish_connection(network, params)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("channels:list", workspace=membership.workspace.slug)
    channel = actions.do_connect_channel(membership.workspace, membership.user, network, connection)
    messages.success(request, _("“%(name)s” is connected.") % {"name": channel.name})
    return redirect("channels:list", workspace=membership.workspace.slug)


@workspace_view(Permission.MANAGE_CHANNELS)
def remove(request: HttpRequest, membership: Membership, channel_id: int) -> HttpResponse:
    channel = queries.channel_of(membership.workspace, channel_id)
    if request.method == "POST":
        actions.do_remove_channel(channel, membership.user)
        messages.success(
            request, _("“%(name)s” is disconnected and its credentials erased.") % {"name": channel.name}
        )
        return redirect("channels:list", workspace=membership.workspace.slug)
    return render(request, "channels/remove.html", {"channel": channel})


@workspace_view(Permission.MANAGE_CHANNELS)
@require_POST
def check(request: HttpRequest, membership: Membership, channel_id: int) -> HttpResponse:
    """Tests the connection now (renewing tokens where the network uses short-lived ones)."""
    channel = queries.channel_of(membership.workspace, channel_id)
    if actions.do_check_channel(channel):
        messages.success(request, _("“%(name)s” answers normally.") % {"name": channel.name})
    else:
        channel.refresh_from_db()
        messages.error(request, channel.last_error)
    return redirect("channels:list", workspace=membership.workspace.slug)
