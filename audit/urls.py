from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("events/", views.events, name="events"),
    path("access-log/", views.access_log, name="access_log"),
]
