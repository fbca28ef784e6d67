"""URLs of the inbox pages."""

from django.urls import path

from comptoir.inbox import views

app_name = "inbox"

urlpatterns = [
    path("w/<slug:workspace>/inbox/", views.inbox, name="inbox"),
    path("w/<slug:workspace>/inbox/<int:conversation_id>/", views.conversation, name="conversation"),
    path("w/<slug:workspace>/inbox/<int:conversation_id>/reply/", views.reply, name="reply"),
    path("w/<slug:workspace>/inbox/<int:conversation_id>/status/", views.change_status, name="status"),
    path("w/<slug:workspace>/inbox/<int:conversation_id>/assign/", views.assign, name="assign"),
    path("w/<slug:workspace>/inbox/<int:conversation_id>/notes/", views.add_note, name="add_note"),
]
