from reviews.views import scoring
from reviews.views import assignments, reviewers
from reviews.views import decisions
from reviews.views import rubrics
from reviews.views import reports

urlpatterns = [*scoring.urlpatterns]
urlpatterns += [*assignments.urlpatterns, *reviewers.urlpatterns]
urlpatterns += [*decisions.urlpatterns]
urlpatterns += [*rubrics.urlpatterns]
urlpatterns += [*reports.urlpatterns]
