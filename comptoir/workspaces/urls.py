"""URLs of workspace pages; every one under /w/<workspace>/ goes through workspace_view."""

from django.urls import path

from comptoir.workspaces import views

app_name = "workspaces"

urlpatterns = [
    path("workspaces/new/", views.create_workspace, name="create"),
    path("invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("w/<slug:workspace>/", views.dashboard, name="dashboard"),
    path("w/<slug:workspace>/settings/", views.workspace_settings, name="settings"),
    path("w/<slug:workspace>/delete/", views.delete_workspace, name="delete"),
    path("w/<slug:workspace>/members/", views.members, name="members"),
    path("w/<slug:workspace>/members/<int:member_id>/role/", views.change_role, name="change_role"),
    path("w/<slug:workspace>/members/<int:member_id>/remove/", views.remove_member, name="remove_member"),
    path(
        "w/<slug:workspace>/invitations/<int:invitation_id>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("w/<slug:workspace>/audit/", views.audit_log, name="audit"),
]
