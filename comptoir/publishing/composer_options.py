"""The composer's calendar options: "next free queue slot" as a moment to publish, and "repeat" presets that
become an RRULE. The composer's form inherits these fields; the view starts the recurrence once the post exists."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.accounts.models import User
from comptoir.publishing import recurrence, slots
from comptoir.publishing.local_time import LocalMoment
from comptoir.publishing.models import Post, QueueSlot

NEXT_SLOT = "next_slot"
REPEAT_CHOICES = [
    ("", gettext_lazy("Does not repeat")),
    ("daily", gettext_lazy("Every day")),
    ("weekly", gettext_lazy("Every week on the days ticked below")),
    ("monthly", gettext_lazy("Every month on the same day")),
]
OPTION_FIELDS = ["repeat", "repeat_days", "repeat_count"]


class ScheduleOptionsForm(forms.Form):
    repeat = forms.ChoiceField(label=gettext_lazy("Repeat"), choices=REPEAT_CHOICES, required=False)
    repeat_days = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Repeat on"),
        choices=QueueSlot.Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    repeat_count = forms.IntegerField(
        label=gettext_lazy("Number of times"),
        required=False,
        min_value=2,
        max_value=366,
        help_text=gettext_lazy("Leave empty to repeat until you stop it."),
    )

    moment: LocalMoment | None
    repeat_rule: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.repeat_rule = ""
        # The repeat options read best right after the date they repeat.
        names = [name for name in self.fields if name not in OPTION_FIELDS]
        at = names.index("publish_at") + 1 if "publish_at" in names else len(names)
        self.order_fields(names[:at] + OPTION_FIELDS + names[at:])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        when = cleaned.get("when")
        if when == NEXT_SLOT:
            found = slots.next_common_free_slot(cleaned.get("channels") or [], timezone.now())
            if found is None:
                self.add_error("when", _("No free queue slot in the next 8 weeks for these channels."))
            self.moment = LocalMoment(found, False, False) if found else None
        if cleaned.get("repeat"):
            if when not in ("schedule", NEXT_SLOT):
                self.add_error("repeat", _("Only a scheduled post can repeat."))
            else:
                try:
                    self.repeat_rule = recurrence.preset_rule(
                        cleaned["repeat"], cleaned.get("repeat_days") or [], cleaned.get("repeat_count")
                    )
                except forms.ValidationError as error:
                    self.add_error("repeat_days" if cleaned["repeat"] == "weekly" else "repeat", error)
        return cleaned


def start_recurrence(form: ScheduleOptionsForm, actor: User, post: Post) -> None:
    """Once the composer saved `post`, repeats it as asked; the next occurrences are created after commit."""
    if not form.repeat_rule or form.moment is None:
        return
    workspace = post.workspace
    starts_local = form.moment.utc.astimezone(workspace.zone).replace(tzinfo=None)
    with transaction.atomic():
        created = recurrence.do_create_recurrence(workspace, actor, post, form.repeat_rule, starts_local)
    transaction.on_commit(lambda: recurrence.materialise(created, timezone.now()))
