"""/api/v1/: every app's endpoints in one namespace ("api"), the OpenAPI schema and its two readers."""

from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from cities.api.urls import urlpatterns as cities_urls
from evaluations.api.urls import urlpatterns as evaluations_urls
from plans.api.urls import urlpatterns as plans_urls
from ipcity.api import not_found, redoc_script
from reviews.api.urls import urlpatterns as reviews_urls

app_name = "api"

# Swagger UI and Redoc (served from drf-spectacular-sidecar's static files) set inline styles and
# Redoc starts a worker from a blob: these two pages only get those allowances.
docs_csp = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs_csp(SpectacularSwaggerSplitView.as_view(url_name="api:schema",
                                                               template_name="api/swagger_ui.html")), name="docs"),
    path("redoc.js", redoc_script, name="redoc-script"),
    path("redoc/", docs_csp(SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")),
         name="redoc"),
    *cities_urls,
    *evaluations_urls,
    *reviews_urls,
    *plans_urls,
    # Anything else under /api/v1/ is a 404 in the API's error shape, not the HTML page.
    re_path(r"^.*$", not_found),
]
