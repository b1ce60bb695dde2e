"""/api/v1/: each app adds its routes here as it grows an api.py."""

from django.urls import path

from accounts import api as accounts_api
from detainees import api as detainees_api
from detainees import import_api as detainees_import_api

urlpatterns = [
    path("auth/token/", accounts_api.obtain_token, name="api-token"),
    path("me/", accounts_api.me, name="api-me"),
    path("detentions/", detainees_api.detention_list, name="api-detention-list"),
    path("detentions/<int:pk>/", detainees_api.detention_detail, name="api-detention-detail"),
    path("imports/detentions/", detainees_import_api.detention_import, name="api-import-detentions"),
    path("imports/health-checks/", detainees_import_api.health_check_import, name="api-import-health-checks"),
]
