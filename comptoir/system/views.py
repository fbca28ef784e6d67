"""The system status page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from comptoir.system.status import current_status


@login_required
def system_status(request: HttpRequest) -> HttpResponse:
    return render(request, "system/status.html", {"status": current_status()})
