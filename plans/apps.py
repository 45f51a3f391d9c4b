from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = _("Plans and tasks")

    def ready(self) -> None:
        from ipcity.panels import register_panel
        from plans.panels import application_deadline_notes

        register_panel("application", application_deadline_notes)
        from plans import workdays  # noqa: F401  (labels of their audit actions)
        from plans.services import plans, responsibility  # noqa: F401
