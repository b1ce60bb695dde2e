"""The pages that show several apps, at the paths they have always had."""

from django.urls import path

from . import views

app_name = "casework"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/<str:role>/", views.dashboard, name="dashboard"),
    path("deadlines/", views.deadlines, name="deadlines"),
    # --- the centre's worklist and one detention ---
    path("detainees/", views.worklist, name="worklist"),
    path("detainees/<int:pk>/", views.detention, name="detention"),
    path("detainees/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("detainees/<int:pk>/documents/", views.upload_document, name="upload_document"),
    path("detainees/<int:pk>/release/", views.release, name="release"),
    path("detainees/<int:pk>/transfer/", views.transfer, name="transfer"),
    # A lead's outcome: it may open the follow-up of a person already released (followups).
    path("disputes/<int:pk>/outcome/", views.outcome, name="outcome"),
]
