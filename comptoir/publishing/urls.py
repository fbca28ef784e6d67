"""URLs of the publishing pages."""

from django.urls import path

from comptoir.publishing import calendar_views, dashboard_views, review_views, views

app_name = "publishing"

urlpatterns = [
    path("w/<slug:workspace>/posts/", views.post_list, name="list"),
    path("w/<slug:workspace>/posts/new/", views.compose, name="compose"),
    path("w/<slug:workspace>/posts/new/check/", views.variant_checks, name="variant_checks"),
    path("w/<slug:workspace>/posts/new/preview/", views.compose_preview, name="compose_preview"),
    path("w/<slug:workspace>/publishing/dashboard/", dashboard_views.dashboard, name="dashboard"),
    # The editorial line and the media library (views.py).
    path("w/<slug:workspace>/editorial/", views.editorial_line, name="editorial"),
    path("w/<slug:workspace>/editorial/pillars/", views.add_pillar, name="add_pillar"),
    path("w/<slug:workspace>/editorial/pillars/<int:pillar_id>/", views.edit_pillar, name="edit_pillar"),
    path(
        "w/<slug:workspace>/editorial/pillars/<int:pillar_id>/delete/",
        views.delete_pillar,
        name="delete_pillar",
    ),
    path("w/<slug:workspace>/editorial/tone/", views.tone_rules, name="tone_rules"),
    path("w/<slug:workspace>/editorial/links/", views.link_tracking, name="link_tracking"),
    path("w/<slug:workspace>/media/", views.media_library, name="media_library"),
    path("w/<slug:workspace>/media/<int:media_id>/", views.media_detail, name="media_detail"),
    path("w/<slug:workspace>/media/<int:media_id>/delete/", views.delete_media, name="delete_media"),
    path("m/<uuid:token>/<slug:rendition>/", views.public_media, name="public_media"),
    # The review workflow (review_views.py).
    path("w/<slug:workspace>/posts/<int:post_id>/", review_views.post_detail, name="detail"),
    path("w/<slug:workspace>/posts/<int:post_id>/submit/", review_views.submit_for_review, name="submit"),
    path("w/<slug:workspace>/posts/<int:post_id>/decide/", review_views.decide, name="decide"),
    path("w/<slug:workspace>/posts/<int:post_id>/comment/", review_views.comment, name="comment"),
    path("w/<slug:workspace>/posts/<int:post_id>/schedule/", review_views.schedule, name="schedule"),
    path(
        "w/<slug:workspace>/posts/<int:post_id>/targets/<int:target_id>/edit/",
        review_views.edit_variant,
        name="edit_variant",
    ),
    path(
        "w/<slug:workspace>/posts/<int:post_id>/review-links/",
        review_views.create_review_link,
        name="create_review_link",
    ),
    path(
        "w/<slug:workspace>/posts/<int:post_id>/review-links/<int:link_id>/revoke/",
        review_views.revoke_review_link,
        name="revoke_review_link",
    ),
    path("w/<slug:workspace>/approval-settings/", review_views.approval_settings, name="approval_settings"),
    path("review/<str:token>/", review_views.review_link, name="review_link"),
    # The calendar (calendar_views.py).
    path("w/<slug:workspace>/calendar/", calendar_views.calendar_page, name="calendar"),
    path(
        "w/<slug:workspace>/calendar/week/",
        calendar_views.calendar_page,
        {"mode": "week"},
        name="calendar_week",
    ),
    path(
        "w/<slug:workspace>/calendar/list/",
        calendar_views.calendar_page,
        {"mode": "list"},
        name="calendar_list",
    ),
    path("w/<slug:workspace>/calendar/move/", calendar_views.move_target, name="calendar_move"),
    path("w/<slug:workspace>/calendar/campaigns/", calendar_views.campaigns, name="calendar_campaigns"),
    path(
        "w/<slug:workspace>/calendar/campaigns/<int:campaign_id>/",
        calendar_views.edit_campaign,
        name="calendar_edit_campaign",
    ),
    path(
        "w/<slug:workspace>/calendar/campaigns/<int:campaign_id>/delete/",
        calendar_views.delete_campaign,
        name="calendar_delete_campaign",
    ),
    path("w/<slug:workspace>/calendar/slots/", calendar_views.queue_slots, name="calendar_slots"),
    path(
        "w/<slug:workspace>/calendar/slots/<int:slot_id>/delete/",
        calendar_views.delete_slot,
        name="calendar_delete_slot",
    ),
    path("w/<slug:workspace>/calendar/import/", calendar_views.import_posts, name="calendar_import"),
    path(
        "w/<slug:workspace>/calendar/recurrences/<int:recurrence_id>/stop/",
        calendar_views.stop_recurrence,
        name="calendar_stop_recurrence",
    ),
    path("w/<slug:workspace>/calendar/feed/", calendar_views.regenerate_feed, name="calendar_new_feed"),
    path("w/<slug:workspace>/calendar/feed/revoke/", calendar_views.revoke_feed, name="calendar_revoke_feed"),
    path(
        "w/<slug:workspace>/calendar/<str:feed_token>.ics",
        calendar_views.calendar_feed,
        name="calendar_feed",
    ),
]
