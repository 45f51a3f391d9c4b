from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("ipcity.api_urls")),
    path("", include("cities.urls")),
    path("", include("evaluations.urls")),
    path("", include("reviews.urls")),
    path("", include("plans.urls")),
]
