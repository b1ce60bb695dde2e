"""URL groups (DESIGN.md §7). settings.URL_GROUPS decides which groups this process serves, so the
same code runs as three deployments: staff pages on the police network, the partner API on the
government extranet, the public page on the internet. /healthz is served by every process."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .health import healthz

urlpatterns = [path("healthz", healthz, name="healthz")]

if "staff" in settings.URL_GROUPS:
    urlpatterns += [
        path("admin/", admin.site.urls),
        path("i18n/", include("django.conf.urls.i18n")),
        path("audit/", include("audit.urls")),
        path("inbox/", include("notifications.urls")),
        path("detainees/", include("detainees.urls")),
        path("disputes/", include("disputes.urls")),
        path("", include("accounts.urls")),
    ]

if "partner" in settings.URL_GROUPS:
    urlpatterns += [
        path("api/v1/", include("yaoyao_mediation.api_urls")),
        path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
        path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    ]

if "public" in settings.URL_GROUPS:
    urlpatterns += [path("public/", include("portal.urls"))]
