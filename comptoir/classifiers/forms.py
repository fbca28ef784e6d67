"""The classifier form (a name and the labels that are its classes) and the "try it" box."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.inbox.models import Label
from comptoir.workspaces.models import Workspace


class ClassifierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    labels = forms.ModelMultipleChoiceField(
        label=_("Labels (its classes)"),
        queryset=Label.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Each label is a class. Received messages of conversations carrying exactly one of these labels "
            "are its examples; a conversation with two of them is skipped."
        ),
    )

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["labels"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Label.objects.filter(workspace=workspace)


class TryForm(forms.Form):
    text = forms.CharField(
        label=_("Text to classify"), max_length=5_000, widget=forms.Textarea(attrs={"rows": 3})
    )
