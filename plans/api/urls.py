from django.urls import path
from rest_framework.routers import SimpleRouter

from plans.api import views

router = SimpleRouter()
router.register("national-plans", views.NationalPlanViewSet, basename="nationalplan")
router.register("city-plans", views.CityPlanViewSet, basename="cityplan")
router.register("plan-targets", views.PlanTargetViewSet, basename="plantarget")
router.register("plan-tasks", views.PlanTaskViewSet, basename="plantask")
router.register("leadership-members", views.LeadershipMemberViewSet, basename="leadershipmember")
router.register("responsibility-lists", views.ResponsibilityListViewSet, basename="responsibilitylist")
router.register("responsibility-items", views.ResponsibilityItemViewSet, basename="responsibilityitem")
router.register("progress-reports", views.ProgressReportViewSet, basename="progressreport")
router.register("progress-evidence", views.ProgressEvidenceViewSet, basename="progressevidence")

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("notification-preferences/me/", views.NotificationPreferenceView.as_view(),
         name="notificationpreference-me"),
    *router.urls,
]
