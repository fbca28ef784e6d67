"""Web views: the list of posts, the composer with its live checks and previews, the editorial line and the
media library (with the public address networks fetch media from)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotModified,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from comptoir.providers.networks import CAPABILITIES, MB
from comptoir.publishing import actions, editorial, media, queries
from comptoir.publishing.composer_options import start_recurrence
from comptoir.publishing.forms import (
    ComposerForm,
    LinkTrackingForm,
    MediaForm,
    MediaUploadForm,
    PillarForm,
    ToneRulesForm,
    publishable_channels,
)
from comptoir.publishing.models import Media, MediaRendition, Pillar
from comptoir.publishing.outbound import ORIGINAL
from comptoir.workspaces.decorators import workspace_view
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Permission

POSTS_PER_PAGE = 25
MEDIA_PER_PAGE = 48


@workspace_view(Permission.VIEW_POSTS)
def post_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    page = Paginator(queries.posts_of(membership.workspace), POSTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "publishing/list.html", {"page": page})


# The composer ----------------------------------------------------------------------------------------------


@workspace_view(Permission.CREATE_POSTS)
def compose(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    if request.method != "POST":
        form = ComposerForm(workspace)
        return render(request, "publishing/compose.html", {"form": form, "checks": [], "attached": []})
    if request.POST.get("when", "draft") != "draft" and not membership.allows(Permission.PUBLISH_POSTS):
        raise PermissionDenied(_("Your role may write posts but not publish them."))
    data, upload_error = _with_inline_upload(request, membership)
    form = ComposerForm(workspace, data)
    valid = form.is_valid()
    if upload_error is not None:
        form.add_error("upload", upload_error)
        valid = False
    if valid:
        try:
            post = actions.do_create_post(
                workspace,
                membership.user,
                title=form.cleaned_data["title"],
                internal_note=form.cleaned_data["internal_note"],
                variants=form.variants(),
                publish_at=form.publish_at_utc(),
                **form.post_fields(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            start_recurrence(form, membership.user, post)
            _confirm(request, form)
            return redirect("publishing:list", workspace=workspace.slug)
    context = {"form": form, "checks": form.variant_checks(), "attached": form.selected_media()}
    return render(request, "publishing/compose.html", context)


def _with_inline_upload(
    request: HttpRequest, membership: Membership
) -> tuple[QueryDict, ValidationError | None]:
    """Stores a file uploaded from the composer in the library and ticks it; kept even when the post is not
    saved yet, so that the person does not upload it twice."""
    upload = request.FILES.get("upload")
    if upload is None:
        return request.POST, None
    try:
        uploaded = media.do_upload_media(membership.workspace, membership.user, upload)
    except ValidationError as error:
        return request.POST, error
    data = request.POST.copy()
    if str(uploaded.media.pk) not in data.getlist("attachments"):
        data.appendlist("attachments", str(uploaded.media.pk))
    return data, None


def _confirm(request: HttpRequest, form: ComposerForm) -> None:
    moment = form.moment
    if moment is not None and moment.nonexistent:
        messages.warning(
            request,
            _(
                "That time does not exist on that day in %(zone)s (the clocks go forward): "
                "the post is scheduled at the same moment an hour later on the clock."
            )
            % {"zone": form.workspace.time_zone},
        )
    elif moment is not None and moment.ambiguous:
        messages.warning(
            request,
            _(
                "That time happens twice on that day in %(zone)s (the clocks go back): the first one was taken."
            )
            % {"zone": form.workspace.time_zone},
        )
    messages.success(request, _("“%(title)s” is saved.") % {"title": form.cleaned_data["title"]})


@workspace_view(Permission.CREATE_POSTS)
@require_POST
def variant_checks(request: HttpRequest, membership: Membership) -> HttpResponse:
    """HTMX: the composer's live report, per ticked channel: length, what the network refuses, tone warnings."""
    form = ComposerForm(membership.workspace, request.POST)
    return render(request, "publishing/_checks.html", {"checks": form.variant_checks()})


@workspace_view(Permission.CREATE_POSTS)
@require_POST
def compose_preview(request: HttpRequest, membership: Membership) -> HttpResponse:
    """HTMX: how the post will look on each ticked channel's network."""
    form = ComposerForm(membership.workspace, request.POST)
    return render(
        request,
        "publishing/_preview.html",
        {"checks": form.variant_checks(), "attached": form.selected_media()},
    )


# The editorial line ----------------------------------------------------------------------------------------


def _editorial_page(request: HttpRequest, membership: Membership, **forms: Any) -> HttpResponse:
    workspace = membership.workspace
    start, end = editorial.month_bounds(workspace.zone, timezone.now())
    context = {
        "pillars": queries.pillars_of(workspace),
        "mix": editorial.pillar_mix(workspace, start, end),
        # A date, not the UTC instant: the month is the workspace's, whatever zone the template renders in.
        "month_start": start.astimezone(workspace.zone).date(),
        "can_manage": membership.allows(Permission.MANAGE_EDITORIAL),
        "pillar_form": forms.get("pillar_form") or PillarForm(),
        "tone_form": forms.get("tone_form") or ToneRulesForm(instance=editorial.tone_rules_of(workspace)),
        "tracking_form": forms.get("tracking_form")
        or LinkTrackingForm(instance=editorial.link_tracking_of(workspace)),
    }
    return render(request, "publishing/editorial.html", context, status=400 if forms else 200)


@workspace_view(Permission.VIEW_POSTS)
@require_GET
def editorial_line(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _editorial_page(request, membership)


@workspace_view(Permission.MANAGE_EDITORIAL)
@require_POST
def add_pillar(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = PillarForm(request.POST, instance=Pillar(workspace=workspace))
    if form.is_valid():
        try:
            editorial.do_save_pillar(workspace, membership.user, form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Pillar “%(name)s” added.") % {"name": form.instance.name})
            return redirect("publishing:editorial", workspace=workspace.slug)
    return _editorial_page(request, membership, pillar_form=form)


@workspace_view(Permission.MANAGE_EDITORIAL)
def edit_pillar(request: HttpRequest, membership: Membership, pillar_id: int) -> HttpResponse:
    workspace = membership.workspace
    pillar = queries.pillar_in(workspace, pillar_id)
    form = PillarForm(request.POST if request.method == "POST" else None, instance=pillar)
    if request.method == "POST" and form.is_valid():
        try:
            editorial.do_save_pillar(workspace, membership.user, form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Pillar “%(name)s” saved.") % {"name": form.instance.name})
            return redirect("publishing:editorial", workspace=workspace.slug)
    return render(request, "publishing/pillar.html", {"form": form, "pillar": pillar})


@workspace_view(Permission.MANAGE_EDITORIAL)
@require_POST
def delete_pillar(request: HttpRequest, membership: Membership, pillar_id: int) -> HttpResponse:
    pillar = queries.pillar_in(membership.workspace, pillar_id)
    editorial.do_delete_pillar(membership.workspace, membership.user, pillar)
    messages.success(
        request, _("Pillar “%(name)s” deleted; its posts keep no pillar.") % {"name": pillar.name}
    )
    return redirect("publishing:editorial", workspace=membership.workspace.slug)


@workspace_view(Permission.MANAGE_EDITORIAL)
@require_POST
def tone_rules(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = ToneRulesForm(request.POST, instance=editorial.tone_rules_of(workspace))
    if not form.is_valid():
        return _editorial_page(request, membership, tone_form=form)
    editorial.do_update_tone_rules(workspace, membership.user, form.instance)
    messages.success(request, _("Tone rules saved."))
    return redirect("publishing:editorial", workspace=workspace.slug)


@workspace_view(Permission.MANAGE_EDITORIAL)
@require_POST
def link_tracking(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = LinkTrackingForm(request.POST, instance=editorial.link_tracking_of(workspace))
    if not form.is_valid():
        return _editorial_page(request, membership, tracking_form=form)
    editorial.do_update_link_tracking(workspace, membership.user, form.instance)
    messages.success(request, _("Link tracking saved."))
    return redirect("publishing:editorial", workspace=workspace.slug)


# The media library -----------------------------------------------------------------------------------------


@workspace_view(Permission.CREATE_POSTS)
def media_library(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = MediaUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            uploaded = media.do_upload_media(
                workspace, membership.user, form.cleaned_data["file"], form.cleaned_data["alt_text"]
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            if uploaded.created:
                messages.success(request, _("“%(name)s” is in the library.") % {"name": uploaded.media})
            else:
                messages.info(request, _("This file was already in the library: it was not added twice."))
            return redirect("publishing:media_detail", workspace=workspace.slug, media_id=uploaded.media.pk)
    page = Paginator(queries.media_of(workspace), MEDIA_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "max_image_mb": media.MAX_IMAGE_BYTES // MB,
        "max_video_mb": media.MAX_VIDEO_BYTES // MB,
    }
    return render(request, "publishing/media_library.html", context, status=400 if form.errors else 200)


@workspace_view(Permission.CREATE_POSTS)
def media_detail(request: HttpRequest, membership: Membership, media_id: int) -> HttpResponse:
    workspace = membership.workspace
    item = queries.media_in(workspace, media_id)
    form = MediaForm(request.POST if request.method == "POST" else None, instance=item)
    if request.method == "POST" and form.is_valid():
        media.do_update_media(
            workspace,
            membership.user,
            queries.media_in(workspace, media_id),
            alt_text=form.cleaned_data["alt_text"],
            focal_x=form.cleaned_data["focal_x"],
            focal_y=form.cleaned_data["focal_y"],
        )
        messages.success(request, _("Saved; the renditions follow the new focal point."))
        return redirect("publishing:media_detail", workspace=workspace.slug, media_id=item.pk)
    networks = sorted({channel.network for channel in publishable_channels(workspace)})
    renditions, problems = [], []
    for network in networks:
        try:
            rendition = media.rendition_for(item, network)
        except ValidationError as error:
            problems.append((CAPABILITIES[network].label, " ".join(error.messages)))
        else:
            if rendition is not None:
                renditions.append((CAPABILITIES[network].label, rendition))
    context = {"item": item, "form": form, "renditions": renditions, "problems": problems}
    return render(request, "publishing/media_detail.html", context)


@workspace_view(Permission.CREATE_POSTS)
@require_POST
def delete_media(request: HttpRequest, membership: Membership, media_id: int) -> HttpResponse:
    workspace = membership.workspace
    item = queries.media_in(workspace, media_id)
    try:
        media.do_delete_media(workspace, membership.user, item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("publishing:media_detail", workspace=workspace.slug, media_id=item.pk)
    messages.success(request, _("“%(name)s” deleted.") % {"name": item})
    return redirect("publishing:media_library", workspace=workspace.slug)


@require_safe
def public_media(request: HttpRequest, token: uuid.UUID, rendition: str) -> HttpResponseBase:
    """A rendition at an unguessable address, for networks that fetch media themselves (Instagram). Only
    renditions already made are served (nothing is computed for an anonymous caller) and nothing is listed;
    a video is served as uploaded, an image never is (its original may carry EXIF data such as GPS)."""
    item = Media.objects.filter(public_token=token).first()
    if item is None:
        raise Http404
    if rendition == ORIGINAL and not item.is_image:
        file, mime_type = item.file, item.mime_type
    else:
        stored = MediaRendition.objects.filter(media=item, preset=rendition).first()
        if stored is None:
            raise Http404
        file, mime_type = stored.file, stored.mime_type
    # The address stays when a focal point moves and the rendition is remade: caches must ask again, and the
    # stored name (new for every remake) tells them whether they may keep their copy.
    etag = '"' + hashlib.sha256(file.name.encode()).hexdigest()[:32] + '"' if file.name else ""
    if etag and request.headers.get("If-None-Match") == etag:
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        try:
            response = FileResponse(file.open("rb"), content_type=mime_type)
        except OSError as error:
            raise Http404 from error
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, no-cache"
    return response
