"""Writes the audit trail: every action function records what it created, changed or deleted, and who did it."""

from __future__ import annotations

from typing import Any

from django.db import models

from comptoir.accounts.models import User
from comptoir.workspaces.models import AuditEntry, Workspace


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, str | int | float | bool | list | dict) or value is None:
        return value
    return str(value)


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def record(
    workspace: Workspace | None,
    actor: User | None,
    action: str,
    instance: models.Model,
    changes: dict[str, list[Any]] | None = None,
    actor_label: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        workspace=workspace,
        actor=actor,
        actor_label=actor_label or (actor.email if actor else "system"),
        action=action,
        object_type=instance._meta.model_name or type(instance).__name__,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes or {},
    )


def record_create(
    workspace: Workspace | None, actor: User | None, instance: models.Model, fields: list[str]
) -> None:
    record(workspace, actor, AuditEntry.Action.CREATE, instance, changed({}, snapshot(instance, fields)))
