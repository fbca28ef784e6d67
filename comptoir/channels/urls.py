"""URLs of the channel pages."""

from django.urls import path

from comptoir.channels import views

app_name = "channels"

urlpatterns = [
    path("w/<slug:workspace>/channels/", views.channel_list, name="list"),
    path("w/<slug:workspace>/channels/connect/<slug:network>/", views.connect, name="connect"),
    path("w/<slug:workspace>/channels/<int:channel_id>/reconnect/", views.reconnect, name="reconnect"),
    path("w/<slug:workspace>/channels/<int:channel_id>/remove/", views.remove, name="remove"),
    path("w/<slug:workspace>/channels/<int:channel_id>/check/", views.check, name="check"),
    path("channels/oauth/<slug:network>/callback/", views.oauth_callback, name="oauth_callback"),
]
