from plans.views import dashboards, plans, preferences, responsibility

urlpatterns = [*plans.urlpatterns, *responsibility.urlpatterns, *dashboards.urlpatterns, *preferences.urlpatterns]
