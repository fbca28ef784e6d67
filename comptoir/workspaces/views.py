"""Web views for workspaces: create, dashboard, settings, members, invitations and the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.accounts.forms import SignupForm
from comptoir.accounts.models import User
from comptoir.workspaces import actions, queries
from comptoir.workspaces.decorators import workspace_view
from comptoir.workspaces.forms import InvitationForm, RoleForm, WorkspaceForm
from comptoir.workspaces.models import Membership, Workspace
from comptoir.workspaces.permissions import Permission


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    first = queries.workspaces_for(_user(request)).first()
    if first is None:
        return redirect("workspaces:create")
    return redirect("workspaces:dashboard", workspace=first.slug)


@login_required
def create_workspace(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workspace = actions.do_create_workspace(
            _user(request),
            name=form.cleaned_data["name"],
            time_zone=form.cleaned_data["time_zone"],
            country=form.cleaned_data["country"],
            languages=form.cleaned_data["languages"],
            business_hours=form.cleaned_data["opening_hours"],
        )
        messages.success(request, _("Workspace “%(name)s” created.") % {"name": workspace.name})
        return redirect("workspaces:dashboard", workspace=workspace.slug)
    return render(request, "workspaces/create.html", {"form": form})


@workspace_view(Permission.VIEW_WORKSPACE)
def dashboard(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    context = {
        "members": queries.members_of(workspace),
        "pending_invitations": queries.pending_invitations(workspace).count(),
        "recent_activity": queries.audit_trail(workspace)[:8]
        if membership.allows(Permission.VIEW_AUDIT)
        else [],
    }
    return render(request, "workspaces/dashboard.html", context)


@workspace_view(Permission.MANAGE_WORKSPACE)
def workspace_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    # The form validates a copy: a ModelForm writes into its instance, and the action must see the old values.
    form = WorkspaceForm(request.POST or None, instance=Workspace.objects.get(pk=workspace.pk))
    if request.method == "POST" and form.is_valid():
        actions.do_update_workspace(
            workspace,
            membership.user,
            **{name: form.cleaned_data[name] for name in ["name", "time_zone", "country", "languages"]},
            business_hours=form.cleaned_data["opening_hours"],
        )
        messages.success(request, _("Settings saved."))
        return redirect("workspaces:settings", workspace=workspace.slug)
    return render(request, "workspaces/settings.html", {"form": form})


@workspace_view(Permission.DELETE_WORKSPACE)
@require_POST
def delete_workspace(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    if request.POST.get("confirm_slug") != workspace.slug:
        messages.error(request, _("Type the workspace's short name to confirm its deletion."))
        return redirect("workspaces:settings", workspace=workspace.slug)
    actions.do_delete_workspace(workspace, membership.user)
    messages.success(request, _("Workspace “%(name)s” deleted.") % {"name": workspace.name})
    return redirect("home")


@workspace_view(Permission.VIEW_MEMBERS)
def members(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not membership.allows(Permission.MANAGE_MEMBERS):
            raise PermissionDenied
        if form.is_valid():
            try:
                invitation, _token = actions.do_invite_member(
                    workspace,
                    membership.user,
                    membership.role,
                    form.cleaned_data["email"],
                    form.cleaned_data["role"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                return redirect("workspaces:members", workspace=workspace.slug)
    context = {
        "memberships": queries.members_of(workspace),
        "invitations": queries.pending_invitations(workspace),
        "form": form,
        "role_form": RoleForm(),
    }
    return render(request, "workspaces/members.html", context)


@workspace_view(Permission.MANAGE_MEMBERS)
@require_POST
def change_role(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    target = queries.member_of(membership.workspace, member_id)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a role from the list."))
        actions.do_change_role(target, membership.user, membership.role, form.cleaned_data["role"])
        messages.success(request, _("Role of %(user)s updated.") % {"user": target.user})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("workspaces:members", workspace=membership.workspace.slug)


@workspace_view(Permission.MANAGE_MEMBERS)
@require_POST
def remove_member(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    target = queries.member_of(membership.workspace, member_id)
    try:
        actions.do_remove_member(target, membership.user, membership.role)
        messages.success(
            request, _("%(user)s no longer has access to this workspace.") % {"user": target.user}
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("workspaces:members", workspace=membership.workspace.slug)


@workspace_view(Permission.MANAGE_MEMBERS)
@require_POST
def revoke_invitation(request: HttpRequest, membership: Membership, invitation_id: int) -> HttpResponse:
    invitation = queries.invitation_of(membership.workspace, invitation_id)
    actions.do_revoke_invitation(invitation, membership.user)
    messages.success(request, _("Invitation to %(email)s withdrawn.") % {"email": invitation.email})
    return redirect("workspaces:members", workspace=membership.workspace.slug)


@workspace_view(Permission.VIEW_AUDIT)
def audit_log(request: HttpRequest, membership: Membership) -> HttpResponse:
    entries = queries.audit_trail(membership.workspace)
    object_type = request.GET.get("type", "")
    if object_type:
        entries = entries.filter(object_type=object_type)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    types = (
        queries.audit_trail(membership.workspace).order_by().values_list("object_type", flat=True).distinct()
    )
    return render(
        request, "workspaces/audit.html", {"page": page, "types": sorted(set(types)), "type": object_type}
    )


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the link in the e-mail. A newcomer creates an account here; a known user logs in first."""
    invitation = actions.find_invitation(token)
    if invitation is None or not invitation.is_pending:
        return render(request, "workspaces/invitation_invalid.html", status=404)
    existing = User.objects.filter(email__iexact=invitation.email).first()
    signup = (
        SignupForm(request.POST or None, initial={"email": invitation.email}) if existing is None else None
    )
    error = ""
    if request.method == "POST":
        user: User | None = None
        if isinstance(request.user, User):
            user = request.user
        elif signup is not None and signup.is_valid():
            user = signup.create_user(invitation.email)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if user is not None:
            try:
                actions.do_accept_invitation(invitation, user)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, _("Welcome to %(name)s!") % {"name": invitation.workspace.name})
                return redirect("workspaces:dashboard", workspace=invitation.workspace.slug)
    context = {"invitation": invitation, "signup": signup, "existing": existing, "error": error}
    return render(request, "workspaces/accept_invitation.html", context)
