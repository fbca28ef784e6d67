"""URLs of the workspace classifier pages, beside the moderation rules that use them."""

from django.urls import path

from comptoir.classifiers import views

app_name = "classifiers"

urlpatterns = [
    path("w/<slug:workspace>/moderation/classifiers/", views.classifiers, name="classifiers"),
    path("w/<slug:workspace>/moderation/classifiers/new/", views.classifier_create, name="classifier_create"),
    path(
        "w/<slug:workspace>/moderation/classifiers/<int:classifier_id>/", views.classifier, name="classifier"
    ),
    path(
        "w/<slug:workspace>/moderation/classifiers/<int:classifier_id>/edit/",
        views.classifier_edit,
        name="classifier_edit",
    ),
    path(
        "w/<slug:workspace>/moderation/classifiers/<int:classifier_id>/train/",
        views.classifier_train,
        name="classifier_train",
    ),
    path(
        "w/<slug:workspace>/moderation/classifiers/<int:classifier_id>/try/",
        views.classifier_try,
        name="classifier_try",
    ),
    path(
        "w/<slug:workspace>/moderation/classifiers/<int:classifier_id>/delete/",
        views.classifier_delete,
        name="classifier_delete",
    ),
]
