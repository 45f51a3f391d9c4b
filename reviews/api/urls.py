from rest_framework.routers import SimpleRouter

from reviews.api import views

router = SimpleRouter()
router.register("rubrics", views.RubricViewSet, basename="rubric")
router.register("criteria", views.CriterionViewSet, basename="criterion")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("rankings", views.RankingViewSet, basename="ranking")
router.register("results", views.ResultViewSet, basename="result")
router.register("decisions", views.DecisionViewSet, basename="decision")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("reports", views.ReportViewSet, basename="report")
router.register("reviewer-profiles", views.ReviewerProfileViewSet, basename="reviewerprofile")

urlpatterns = router.urls
