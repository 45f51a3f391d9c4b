from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evaluations"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from cities.audit import register_actions, register_states
        from evaluations.panels import waiting_applications
        from ipcity.home import register_home_panel

        register_home_panel(waiting_applications)
        from evaluations import basic_info, materials  # noqa: F401  (labels of their audit actions)
        from evaluations.enums import Action, ApplicationState, CycleKind, CycleStatus, MaterialKind

        register_states(ApplicationState, subjects=("application",))
        register_states(CycleStatus, subjects=("cycle",))
        register_states(CycleKind, subjects=("cycle_kind",))
        register_states(MaterialKind, subjects=("material",))
        register_actions({f"application.{action.value}": action.label for action in Action})
        register_actions({
            "application.create": _("Started application"),
            "application.update": _("Updated application details"),
            "application.sections": _("Edited plan or summary"),
            "application.extend_deadline": _("Extended deadline"),
            "application.argumentation": _("Recorded expert argumentation"),
            "application.measurement": _("Recorded objective measurement"),
            "application.attest": _("Attested a condition"),
            "application.site_visit": _("Recorded site visit"),
            "application.criticism": _("Issued public criticism"),
            "cycle.create": _("Created cycle"),
            "cycle.open": _("Opened cycle"),
            "cycle.close": _("Closed cycle"),
            "cycle.quota": _("Set province quota"),
            "cycle.checklist": _("Changed eligibility conditions"),
        })
