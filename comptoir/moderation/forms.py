"""The rule builder (a rule, its condition rows and action rows), department, routing and queue forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from comptoir.channels.queries import channels_of
from comptoir.classifiers.queries import condition_choices
from comptoir.inbox.forms import repliers
from comptoir.inbox.models import Department, Label, Referral, SavedReply
from comptoir.moderation.models import QueueItem, Rule
from comptoir.moderation.rules import (
    ACTION_TARGETS,
    ACTION_TYPES,
    CONDITION_TYPES,
    SCORES,
    check_action,
    check_condition,
)
from comptoir.workspaces.models import Workspace


def _choices(pairs: dict[str, Any]) -> list[tuple[str, Any]]:
    return [("", "—"), *pairs.items()]


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    position = forms.IntegerField(label=_("Order"), required=False, min_value=0, max_value=1_000_000)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    match = forms.ChoiceField(label=_("Match"), choices=Rule.Match.choices, initial=Rule.Match.ALL)
    stop = forms.BooleanField(label=_("Stop evaluating later rules when this one matches"), required=False)


class ConditionForm(forms.Form):
    """One row of the builder: what to test, and the value to test against; an empty row is ignored."""

    kind = forms.ChoiceField(label=_("Condition"), required=False, choices=_choices(CONDITION_TYPES))
    score = forms.ChoiceField(
        label=_("Score"), required=False, choices=[("", "—"), *((name, name) for name in SCORES)]
    )
    classifier = forms.ChoiceField(
        label=_("Workspace classifier"),
        required=False,
        help_text=_(
            "Only trained classifiers are offered. A condition on a classifier that has no model any more "
            "(deleted) or whose model lacks the label (labels changed, not trained again) does not match."
        ),
    )
    channel = forms.TypedChoiceField(label=_("Channel"), required=False, coerce=int, empty_value=None)
    value = forms.CharField(
        label=_("Value"),
        required=False,
        max_length=10_000,
        help_text=_(
            "Words separated by commas, a regular expression, language codes (fr, en), a threshold "
            "between 0 and 1, an author status (new, known, blocked) or message kinds (mention, comment…)."
        ),
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel_field = self.fields["channel"]
        assert isinstance(channel_field, forms.TypedChoiceField)
        channel_field.choices = [("", "—"), *((str(c.id), c.name) for c in channels_of(workspace))]
        classifier_field = self.fields["classifier"]
        assert isinstance(classifier_field, forms.ChoiceField)
        classifier_field.choices = [("", "—"), *condition_choices(workspace)]
        offered = {key for _name, group in classifier_field.choices[1:] for key, _label in group}
        # A saved condition whose classifier was deleted or lost the label: it matches nothing until changed.
        self.classifier_unavailable = (
            bool(self.initial.get("classifier")) and self.initial["classifier"] not in offered
        )

    def condition(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        kind = data.get("kind")
        if not kind:
            return None
        value = data.get("value", "").strip()
        if kind == "channel":
            value = str(data["channel"]) if data.get("channel") is not None else ""
        argument = data.get("classifier", "") if kind == "classifier" else data.get("score", "")
        return check_condition(kind, argument, value)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            self.condition()
        except ValidationError as error:
            self.add_error("value", error)
        return cleaned


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Action"), required=False, choices=_choices(ACTION_TYPES))
    label = forms.TypedChoiceField(label=_("Label"), required=False, coerce=int, empty_value=None)
    user = forms.TypedChoiceField(label=_("Team member"), required=False, coerce=int, empty_value=None)
    saved_reply = forms.TypedChoiceField(label=_("Saved reply"), required=False, coerce=int, empty_value=None)
    department = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = {
            "label": [(str(o.pk), o.name) for o in Label.objects.filter(workspace=workspace)],
            "user": repliers(workspace),
            "saved_reply": [(str(o.pk), o.title) for o in SavedReply.objects.filter(workspace=workspace)],
            "department": [(str(o.pk), o.name) for o in Department.objects.filter(workspace=workspace)],
        }
        for name, choices in options.items():
            field = self.fields[name]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = [("", "—"), *choices]

    def action(self) -> dict[str, Any] | None:
        kind = self.cleaned_data.get("kind")
        if not kind:
            return None
        target_field = ACTION_TARGETS.get(kind)
        return check_action(kind, self.cleaned_data.get(target_field) if target_field else None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            self.action()
        except ValidationError as error:
            self.add_error("kind", error)
        return cleaned


ConditionFormSet = forms.formset_factory(ConditionForm, extra=2, max_num=20)
ActionFormSet = forms.formset_factory(ActionForm, extra=2, max_num=10)


def condition_rows(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A saved rule's conditions as the builder's initial rows."""
    rows = []
    for condition in conditions:
        kind = condition["type"]
        row: dict[str, Any] = {"kind": kind}
        if kind == "keywords":
            row["value"] = ", ".join(condition["words"])
        elif kind == "regex":
            row["value"] = condition["pattern"]
        elif kind == "language":
            row["value"] = ", ".join(condition["languages"])
        elif kind == "score":
            row.update(score=condition["score"], value=str(condition["threshold"]))
        elif kind == "classifier":
            row.update(
                classifier=f"{condition['classifier']}:{condition['label']}",
                value=str(condition["threshold"]),
            )
        elif kind == "author":
            row["value"] = condition["status"]
        elif kind == "channel":
            row["channel"] = condition["channels"][0] if condition["channels"] else None
        elif kind == "kind":
            row["value"] = ", ".join(condition["kinds"])
        rows.append(row)
    return rows


def action_rows(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for action in actions:
        row = {"kind": action["type"]}
        target = ACTION_TARGETS.get(action["type"])
        if target:
            row[target] = action[target]
        rows.append(row)
    return rows


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    webhook_url = forms.CharField(
        label=_("Webhook URL"),
        required=False,
        max_length=500,
        help_text=_("Receives each routed message as JSON, signed with the department's secret."),
    )
    new_secret = forms.BooleanField(label=_("Generate a new webhook secret"), required=False)


class RouteForm(forms.Form):
    department = forms.TypedChoiceField(label=_("Department"), coerce=int)
    message = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(str(o.pk), o.name) for o in Department.objects.filter(workspace=workspace)]


ANSWER_STATUSES = [(value, label) for value, label in Referral.Answer.choices if value]


class AnswerForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ANSWER_STATUSES)
    text = forms.CharField(
        label=_("Answer"), required=False, widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000
    )


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *QueueItem.Status.choices]
    )
    channel = forms.TypedChoiceField(label=_("Channel"), required=False, coerce=int, empty_value=None)

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["channel"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("All")), *((str(c.id), c.name) for c in channels_of(workspace))]
