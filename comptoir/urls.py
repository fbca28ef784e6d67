"""The URL map: accounts, workspace pages, the REST API, system status and the operators' admin."""

from django.contrib import admin
from django.urls import include, path

from comptoir.api import views as api_views
from comptoir.api.urls import api
from comptoir.system import views as system_views
from comptoir.workspaces import views as workspace_views

urlpatterns = [
    path("", workspace_views.home, name="home"),
    path("accounts/", include("comptoir.accounts.urls")),
    path("", include("comptoir.workspaces.urls")),
    path("", include("comptoir.channels.urls")),
    path("", include("comptoir.publishing.urls")),
    path("", include("comptoir.inbox.urls")),
    path("", include("comptoir.moderation.urls")),
    path("", include("comptoir.classifiers.urls")),
    path("w/<slug:workspace>/api-tokens/", api_views.api_tokens, name="api_tokens"),
    path(
        "w/<slug:workspace>/api-tokens/<int:token_id>/revoke/",
        api_views.revoke_api_token,
        name="revoke_api_token",
    ),
    path("status/", system_views.system_status, name="system_status"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
