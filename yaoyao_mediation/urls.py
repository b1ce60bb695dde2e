"""URL groups (DESIGN.md §7). settings.URL_GROUPS decides which groups this process serves, so the
same code runs as three deployments: staff pages on the police network, the partner API on the
government extranet, the public page on the internet. /healthz is served by every process."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.http import require_GET
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.permissions import public

from .health import healthz

# Swagger UI under the site's CSP: the split view loads its start-up script from a URL (no inline script),
# and the one inline <style> of drf-spectacular's page is allowed by its hash, on this view only
# (tests/security/test_headers.py fails if an upgrade changes it).
SWAGGER_UI_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"
swagger_ui = csp_update({"style-src": [SWAGGER_UI_STYLE_HASH]})(SpectacularSwaggerSplitView.as_view(url_name="schema"))
# The API's description and its docs are for the partner systems' developers: no data, no sign-in.
schema = public(SpectacularAPIView.as_view())
swagger_ui = public(swagger_ui)


@public
@require_GET
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """/favicon.ico, which browsers and tools ask for whatever the page links: the icon in static/,
    served by whitenoise (under its hashed name in production, so the redirect is not permanent)."""
    return HttpResponseRedirect(static("favicon.ico"))


urlpatterns = [path("healthz", healthz, name="healthz"), path("favicon.ico", favicon, name="favicon")]

if "staff" in settings.URL_GROUPS:
    urlpatterns += [
        path("admin/", admin.site.urls),
        # The language switch (django.conf.urls.i18n, declared here so that its access rule is visible).
        path("i18n/setlang/", public(set_language), name="set_language"),
        path("audit/", include("audit.urls")),
        path("inbox/", include("notifications.urls")),
        path("detainees/", include("detainees.urls")),
        path("disputes/", include("disputes.urls")),
        path("followups/", include("followups.urls")),
        path("referrals/", include("referrals.urls")),
        # The pages that show several apps (dashboards, worklist, a detention's page), at their own paths.
        path("", include("casework.urls")),
        path("", include("accounts.urls")),
    ]

if "partner" in settings.URL_GROUPS:
    urlpatterns += [
        path("partner/", include("referrals.partner_urls")),
        path("api/v1/", include("yaoyao_mediation.api_urls")),
        path("api/schema/", schema, name="schema"),
        path("api/docs/", swagger_ui, name="swagger-ui"),
    ]

if "public" in settings.URL_GROUPS:
    urlpatterns += [path("public/", include("portal.urls"))]
