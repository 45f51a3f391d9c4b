from django.urls import path
from rest_framework.routers import SimpleRouter

from cities.api import views

router = SimpleRouter()
router.register("provinces", views.ProvinceViewSet, basename="province")
router.register("cities", views.CityViewSet, basename="city")
router.register("designations", views.DesignationViewSet, basename="designation")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("audit-entries", views.AuditEntryViewSet, basename="auditentry")
router.register("tokens", views.ApiTokenViewSet, basename="apitoken")

urlpatterns = [path("me/", views.MeView.as_view(), name="me"), *router.urls]
