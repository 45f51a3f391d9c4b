from evaluations.views import applications, basic_info, cycles, materials

urlpatterns = cycles.urlpatterns + applications.urlpatterns + basic_info.urlpatterns + materials.urlpatterns
