"""URLs of the inbox pages."""

from django.urls import path

from comptoir.inbox import manage_views, views

app_name = "inbox"

urlpatterns = [
    path("w/<slug:workspace>/inbox/", views.inbox, name="inbox"),
    path("w/<slug:workspace>/inbox/bulk/", views.bulk, name="bulk"),
    path("w/<slug:workspace>/inbox/<int:conversation_id>/", views.conversation, name="conversation"),
    path("w/<slug:workspace>/inbox/<int:conversation_id>/reply/", views.reply, name="reply"),
    path("w/<slug:workspace>/inbox/<int:conversation_id>/status/", views.change_status, name="status"),
    path("w/<slug:workspace>/inbox/<int:conversation_id>/assign/", views.assign, name="assign"),
    path("w/<slug:workspace>/inbox/<int:conversation_id>/notes/", views.add_note, name="add_note"),
    path("w/<slug:workspace>/inbox/<int:conversation_id>/labels/", views.change_labels, name="change_labels"),
    path("w/<slug:workspace>/inbox/labels/", manage_views.labels, name="labels"),
    path("w/<slug:workspace>/inbox/labels/<int:label_id>/", manage_views.edit_label, name="edit_label"),
    path(
        "w/<slug:workspace>/inbox/labels/<int:label_id>/delete/",
        manage_views.delete_label,
        name="delete_label",
    ),
    path("w/<slug:workspace>/inbox/saved-replies/", manage_views.saved_replies, name="saved_replies"),
    path(
        "w/<slug:workspace>/inbox/saved-replies/<int:saved_reply_id>/",
        manage_views.edit_saved_reply,
        name="edit_saved_reply",
    ),
    path(
        "w/<slug:workspace>/inbox/saved-replies/<int:saved_reply_id>/delete/",
        manage_views.delete_saved_reply,
        name="delete_saved_reply",
    ),
    path("w/<slug:workspace>/inbox/sla/", manage_views.sla_settings, name="sla_settings"),
    path("w/<slug:workspace>/inbox/metrics/", manage_views.metrics, name="metrics"),
]
