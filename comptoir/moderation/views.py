"""Web views: the moderation queue, rules with their builder and dry run, the action log, departments, and the
departments' answer page reached through a signed link."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from comptoir.inbox import queries as inbox_queries
from comptoir.inbox import routing
from comptoir.inbox.models import Referral
from comptoir.moderation import actions, engine, queries
from comptoir.moderation.forms import (
    ActionFormSet,
    AnswerForm,
    ConditionFormSet,
    DepartmentForm,
    QueueFilterForm,
    RouteForm,
    RuleForm,
    action_rows,
    condition_rows,
)
from comptoir.moderation.models import ActionLog, QueueItem, Rule
from comptoir.workspaces.decorators import workspace_view
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Permission

PAGE_SIZE = 100


# The queue -----------------------------------------------------------------------------------------------


@workspace_view(Permission.VIEW_MODERATION)
def queue(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    data = request.GET if request.GET else {"status": QueueItem.Status.PENDING}
    form = QueueFilterForm(workspace, data)
    status, channel = "", None
    if form.is_valid():
        status, channel = form.cleaned_data["status"], form.cleaned_data["channel"]
    items = list(queries.queue_of(workspace, status, channel)[:PAGE_SIZE])
    # The hide or ban a moderator may take back, next to its message.
    undoable = {
        entry.message_id: entry
        for entry in queries.log_of(workspace).filter(
            message__in=[item.message_id for item in items],
            outcome=ActionLog.Outcome.DONE,
            undone_at=None,
            action__in=list(actions.UNDO_ACTIONS),
        )
    }
    rows = [(item, undoable.get(item.message_id)) for item in items]
    return render(request, "moderation/queue.html", {"form": form, "rows": rows})


@workspace_view(Permission.MANAGE_MODERATION)
@require_POST
def decide(request: HttpRequest, membership: Membership, item_id: int) -> HttpResponse:
    item = queries.queue_item_of(membership.workspace, item_id)
    try:
        actions.do_decide(item, membership.user, request.POST.get("decision", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("moderation:queue", workspace=membership.workspace.slug)


# Rules ---------------------------------------------------------------------------------------------------


@workspace_view(Permission.VIEW_MODERATION)
def rules(request: HttpRequest, membership: Membership) -> HttpResponse:
    return render(request, "moderation/rules.html", {"rules": queries.rules_of(membership.workspace)})


def _rule_page(request: HttpRequest, membership: Membership, rule: Rule | None) -> HttpResponse:
    workspace = membership.workspace
    kwargs = {"workspace": workspace}
    if request.method == "POST":
        form = RuleForm(request.POST)
        conditions = ConditionFormSet(request.POST, prefix="conditions", form_kwargs=kwargs)
        action_forms = ActionFormSet(request.POST, prefix="actions", form_kwargs=kwargs)
        if form.is_valid() and conditions.is_valid() and action_forms.is_valid():
            fields: dict[str, Any] = {
                **form.cleaned_data,
                "conditions": [c for row in conditions if (c := row.condition()) is not None],
                "actions": [a for row in action_forms if (a := row.action()) is not None],
            }
            try:
                saved = actions.do_save_rule(workspace, membership.user, rule, fields)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
                return redirect("moderation:rules", workspace=workspace.slug)
        status = 422
    else:
        initial = (
            {name: getattr(rule, name) for name in ("name", "position", "enabled", "match", "stop")}
            if rule
            else None
        )
        form = RuleForm(initial=initial)
        conditions = ConditionFormSet(
            initial=condition_rows(rule.conditions) if rule else None, prefix="conditions", form_kwargs=kwargs
        )
        action_forms = ActionFormSet(
            initial=action_rows(rule.actions) if rule else None, prefix="actions", form_kwargs=kwargs
        )
        status = 200
    context = {"form": form, "conditions": conditions, "actions": action_forms, "rule": rule}
    return render(request, "moderation/rule_form.html", context, status=status)


@workspace_view(Permission.MANAGE_MODERATION)
def rule_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _rule_page(request, membership, None)


@workspace_view(Permission.MANAGE_MODERATION)
def rule_edit(request: HttpRequest, membership: Membership, rule_id: int) -> HttpResponse:
    return _rule_page(request, membership, queries.rule_of(membership.workspace, rule_id))


@workspace_view(Permission.MANAGE_MODERATION)
@require_POST
def rule_delete(request: HttpRequest, membership: Membership, rule_id: int) -> HttpResponse:
    rule = queries.rule_of(membership.workspace, rule_id)
    actions.do_delete_rule(rule, membership.user)
    messages.success(request, _("Rule deleted."))
    return redirect("moderation:rules", workspace=membership.workspace.slug)


@workspace_view(Permission.MANAGE_MODERATION)
@require_POST
def rule_toggle(request: HttpRequest, membership: Membership, rule_id: int) -> HttpResponse:
    actions.do_toggle_rule(queries.rule_of(membership.workspace, rule_id), membership.user)
    return redirect("moderation:rules", workspace=membership.workspace.slug)


@workspace_view(Permission.VIEW_MODERATION)
def rule_dry_run(request: HttpRequest, membership: Membership, rule_id: int) -> HttpResponse:
    rule = queries.rule_of(membership.workspace, rule_id)
    result = engine.dry_run(rule)
    context = {
        "rule": rule,
        "result": result,
        "shown": result.matched[: engine.DRY_RUN_SHOWN],
        "days": engine.DRY_RUN_DAYS,
    }
    return render(request, "moderation/dry_run.html", context)


# The action log ------------------------------------------------------------------------------------------


@workspace_view(Permission.VIEW_MODERATION)
def log(request: HttpRequest, membership: Membership) -> HttpResponse:
    entries = queries.log_of(membership.workspace)[:PAGE_SIZE]
    return render(request, "moderation/log.html", {"entries": entries, "irreversible": actions.IRREVERSIBLE})


@workspace_view(Permission.MANAGE_MODERATION)
@require_POST
def undo(request: HttpRequest, membership: Membership, entry_id: int) -> HttpResponse:
    entry = queries.log_entry_of(membership.workspace, entry_id)
    try:
        actions.do_undo(entry, membership.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Action undone."))
    target = request.POST.get("next") == "queue"
    return redirect("moderation:queue" if target else "moderation:log", workspace=membership.workspace.slug)


# Departments and routing ---------------------------------------------------------------------------------


@workspace_view(Permission.VIEW_MODERATION)
def departments(request: HttpRequest, membership: Membership) -> HttpResponse:
    return render(
        request,
        "moderation/departments.html",
        {"departments": queries.departments_of(membership.workspace)},
    )


def _department_page(request: HttpRequest, membership: Membership, department_id: int | None) -> HttpResponse:
    workspace = membership.workspace
    department = queries.department_of(workspace, department_id) if department_id else None
    status = 200
    if request.method == "POST":
        form = DepartmentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            values = (data["name"], data["email"], data["webhook_url"])
            try:
                if department is None:
                    department = routing.do_create_department(workspace, membership.user, *values)
                else:
                    routing.do_update_department(department, membership.user, *values, data["new_secret"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Department saved."))
                return redirect(
                    "moderation:department_edit", workspace=workspace.slug, department_id=department.pk
                )
        status = 422
    else:
        initial = (
            {"name": department.name, "email": department.email, "webhook_url": department.webhook_url}
            if department
            else None
        )
        form = DepartmentForm(initial=initial)
    context = {
        "form": form,
        "department": department,
        "secret": routing.webhook_secret(department) if department else "",
        "signature_header": routing.SIGNATURE_HEADER,
    }
    return render(request, "moderation/department_form.html", context, status=status)


@workspace_view(Permission.MANAGE_MODERATION)
def department_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _department_page(request, membership, None)


@workspace_view(Permission.MANAGE_MODERATION)
def department_edit(request: HttpRequest, membership: Membership, department_id: int) -> HttpResponse:
    return _department_page(request, membership, department_id)


@workspace_view(Permission.MANAGE_MODERATION)
@require_POST
def department_delete(request: HttpRequest, membership: Membership, department_id: int) -> HttpResponse:
    routing.do_delete_department(queries.department_of(membership.workspace, department_id), membership.user)
    messages.success(request, _("Department deleted."))
    return redirect("moderation:departments", workspace=membership.workspace.slug)


@workspace_view(Permission.REPLY_INBOX)
@require_POST
def route(request: HttpRequest, membership: Membership, conversation_id: int) -> HttpResponse:
    workspace = membership.workspace
    conversation = inbox_queries.conversation_of(workspace, conversation_id)
    form = RouteForm(workspace, request.POST)
    if form.is_valid():
        message = inbox_queries.message_of(conversation, form.cleaned_data["message"])
        department = queries.department_of(workspace, form.cleaned_data["department"])
        referral = routing.do_route(message, department, membership.user, _("Routed by hand"))
        if referral.delivery == Referral.Delivery.FAILED:
            messages.error(request, _("Sending failed: %(error)s") % {"error": referral.last_error})
        elif referral.delivery == Referral.Delivery.PENDING:
            messages.warning(request, _("Sending failed for now; it will be tried again shortly."))
        else:
            messages.success(request, _("Sent to %(department)s.") % {"department": department.name})
    else:
        messages.error(request, _("Choose a department."))
    return redirect("inbox:conversation", workspace=workspace.slug, conversation_id=conversation.pk)


# The department's side: no account, a signed link -------------------------------------------------------


def _referral_or_404(token: str) -> Referral:
    referral = routing.referral_from_token(token)
    if referral is None:
        raise Http404("This link is not valid.")
    return referral


def referral_answer(request: HttpRequest, token: str) -> HttpResponse:
    referral = _referral_or_404(token)
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                routing.do_answer_referral(referral, form.cleaned_data["status"], form.cleaned_data["text"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Thank you: your answer was passed on."))
                return redirect("moderation:referral_answer", token=token)
        status = 422
    else:
        form = AnswerForm(initial={"status": referral.answer_status or "acknowledged"})
    return render(
        request, "moderation/referral_answer.html", {"referral": referral, "form": form}, status=status
    )


@csrf_exempt  # called by the department's systems; the signed token in the URL is the credential
@require_POST
def referral_callback(request: HttpRequest, token: str) -> HttpResponse:
    referral = _referral_or_404(token)
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError("not an object")
        with transaction.atomic():
            routing.do_answer_referral(referral, str(body.get("status", "")), str(body.get("text", "")))
    except ValueError:
        return JsonResponse({"error": "The body must be a JSON object."}, status=400)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"id": referral.pk, "status": referral.answer_status})
