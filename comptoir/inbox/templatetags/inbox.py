"""Template filters of the inbox pages."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def business_hours(seconds: float | None) -> str:
    """A duration in business time, e.g. "1 h 05", "12 min"; "—" when there is nothing to measure."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("%(hours)d h %(minutes)02d") % {"hours": minutes // 60, "minutes": minutes % 60}


@register.filter
def left_until(moment: datetime, now: datetime) -> str:
    """The time left until `moment`, in its largest unit only ("3 hours"): a chip is read at a glance."""
    return timeuntil(moment, now, depth=1)


@register.filter
def late_since(moment: datetime, now: datetime) -> str:
    """How long ago `moment` passed, in its largest unit only ("2 days")."""
    return timesince(moment, now, depth=1)
