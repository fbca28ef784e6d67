"""The REST API under /api/: one NinjaAPI, errors always as JSON with a `detail` message."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI

from comptoir.api.auth import TokenAuth
from comptoir.channels.api import router as channels_router
from comptoir.publishing.dashboard_api import router as publishing_dashboard_router
from comptoir.workspaces.api import router as workspaces_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Comptoir API",
    version="1",
    description="Every route acts on the workspace of the bearer token (Authorization: Bearer cpt_…).",
    auth=TokenAuth(),
    urls_namespace="api",
)
api.add_router("/", workspaces_router)
api.add_router("/", channels_router)
api.add_router("/", publishing_dashboard_router)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": " ".join(error.messages)}, status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(error) or "Forbidden."}, status=403)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": str(error) or "Not found."}, status=404)


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return api.create_response(request, {"detail": "Internal error; it has been logged."}, status=500)
