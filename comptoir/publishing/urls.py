"""URLs of the publishing pages."""

from django.urls import path

from comptoir.publishing import views

app_name = "publishing"

urlpatterns = [
    path("w/<slug:workspace>/posts/", views.post_list, name="list"),
    path("w/<slug:workspace>/posts/new/", views.compose, name="compose"),
    path("w/<slug:workspace>/posts/new/check/", views.variant_checks, name="variant_checks"),
]
