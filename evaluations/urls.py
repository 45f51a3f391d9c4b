from evaluations.views import actions, applications, basic_info, cycles, materials

urlpatterns = (cycles.urlpatterns + applications.urlpatterns + actions.urlpatterns + basic_info.urlpatterns
               + materials.urlpatterns)
