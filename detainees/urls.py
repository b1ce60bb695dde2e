from django.urls import path

from . import import_views, views

app_name = "detainees"

urlpatterns = [
    # The worklist, a detention's page, its reveal and upload, the release and the transfer are casework's
    # (same paths).
    path("new/", views.intake, name="intake"),
    # --- one detention ---
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/assessment/", views.assessment, name="assessment"),
    path("<int:pk>/health/", views.health_checks, name="health_checks"),
    path("<int:pk>/documents/<int:document_pk>/", views.download_document, name="download_document"),
    # --- imports from the custody and health platforms (detainees/imports*) ---
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/discard/", import_views.import_discard, name="import_discard"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
]
