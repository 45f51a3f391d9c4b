from rest_framework.routers import SimpleRouter

from evaluations.api import views

router = SimpleRouter()
router.register("cycles", views.CycleViewSet, basename="cycle")
router.register("applications", views.ApplicationViewSet, basename="application")
router.register("material-files", views.MaterialFileViewSet, basename="material-file")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("indicator-values", views.IndicatorValueViewSet, basename="indicator-value")

urlpatterns = router.urls
