from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Expert review")

    def ready(self) -> None:
        from evaluations.selectors import EXTRA_SCOPES
        from reviews.selectors import reviewer_application_scope

        if reviewer_application_scope not in EXTRA_SCOPES:
            EXTRA_SCOPES.append(reviewer_application_scope)
