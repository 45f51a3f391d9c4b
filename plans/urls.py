from plans.views import dashboards, plans, preferences, province_dashboard, responsibility

urlpatterns = [*plans.urlpatterns, *responsibility.urlpatterns, *dashboards.urlpatterns,
               *province_dashboard.urlpatterns, *preferences.urlpatterns]
