from django.urls import path

from . import views

app_name = "followups"

urlpatterns = [
    path("", views.followup_list, name="list"),
    path("<int:pk>/", views.followup_detail, name="detail"),
    path("<int:pk>/evaluation/", views.evaluate, name="evaluate"),
    path("<int:pk>/visits/new/", views.visit_create, name="visit_create"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.download_evidence, name="download_evidence"),
    # A re-offence belongs to a release (one per release): keyed by the released detention.
    path("reoffences/<int:detention_pk>/", views.reoffence, name="reoffence"),
]
