from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Expert review")

    def ready(self) -> None:
        from ipcity.panels import register_panel
        from reviews.panels import application_documents, city_outcomes

        register_panel("application", application_documents)
        register_panel("city", city_outcomes)
        from evaluations.selectors import EXTRA_SCOPES
        from reviews.selectors import reviewer_application_scope

        if reviewer_application_scope not in EXTRA_SCOPES:
            EXTRA_SCOPES.append(reviewer_application_scope)

        from cities.audit import register_actions
        from evaluations.workflow import DECISION_GUARDS
        from reviews.services.decisions import reviews_complete

        if reviews_complete not in DECISION_GUARDS:
            DECISION_GUARDS.append(reviews_complete)
        register_actions({
            "decision.record": _("Recorded decision"),
            "cycle.publish_results": _("Published results"),
            "assessment.record": _("Recorded annual assessment"),
            "assessment.import": _("Imported annual assessments"),
        })

        # Reviewers and assignments.
        from cities.audit import register_states
        from ipcity.home import register_home_panel
        from reviews.enums import AssignmentStatus
        from reviews.views.assignments import pending_assignments_panel, review_overview_panel

        register_home_panel(pending_assignments_panel)
        register_home_panel(review_overview_panel)
        register_states(AssignmentStatus, subjects=("assignment", "review"))
        from reviews.enums import Outcome

        register_states(Outcome, subjects=("decision",))
        from reviews.services import reports, rubrics, scoring  # noqa: F401  (labels of their audit actions)

        register_actions({
            "assignment.profile": _("Edited reviewer profile"),
            "assignment.profile_import": _("Imported reviewer profile"),
            "assignment.assign": _("Assigned reviewer"),
            "assignment.override": _("Assigned reviewer despite a conflict rule"),
            "assignment.auto": _("Assigned reviewers automatically"),
            "assignment.unassign": _("Withdrew assignment"),
            "assignment.reassign": _("Reassigned review"),
            "assignment.declare_no_conflict": _("Declared no conflict of interest"),
            "assignment.declare_conflict": _("Declared a conflict of interest"),
        })
