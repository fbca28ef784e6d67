"""URLs of the moderation pages, departments, and the departments' signed answer links."""

from django.urls import path

from comptoir.moderation import views

app_name = "moderation"

urlpatterns = [
    path("w/<slug:workspace>/moderation/", views.queue, name="queue"),
    path("w/<slug:workspace>/moderation/queue/<int:item_id>/decide/", views.decide, name="decide"),
    path("w/<slug:workspace>/moderation/rules/", views.rules, name="rules"),
    path("w/<slug:workspace>/moderation/rules/new/", views.rule_create, name="rule_create"),
    path("w/<slug:workspace>/moderation/rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("w/<slug:workspace>/moderation/rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("w/<slug:workspace>/moderation/rules/<int:rule_id>/toggle/", views.rule_toggle, name="rule_toggle"),
    path(
        "w/<slug:workspace>/moderation/rules/<int:rule_id>/dry-run/", views.rule_dry_run, name="rule_dry_run"
    ),
    path("w/<slug:workspace>/moderation/log/", views.log, name="log"),
    path("w/<slug:workspace>/moderation/log/<int:entry_id>/undo/", views.undo, name="undo"),
    path("w/<slug:workspace>/departments/", views.departments, name="departments"),
    path("w/<slug:workspace>/departments/new/", views.department_create, name="department_create"),
    path(
        "w/<slug:workspace>/departments/<int:department_id>/",
        views.department_edit,
        name="department_edit",
    ),
    path(
        "w/<slug:workspace>/departments/<int:department_id>/delete/",
        views.department_delete,
        name="department_delete",
    ),
    path("w/<slug:workspace>/inbox/<int:conversation_id>/route/", views.route, name="route"),
    path("routing/<str:token>/", views.referral_answer, name="referral_answer"),
    path("routing/<str:token>/callback/", views.referral_callback, name="referral_callback"),
]
