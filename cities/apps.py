from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cities"
    verbose_name = _("Places, people and titles")

    def ready(self) -> None:
        from cities import checks  # noqa: F401  (SM3 for the audit chain)
        from cities import audit_retention  # noqa: F401  (the SQLite DELETE gate of the audit table)
        from cities import key_rotation  # noqa: F401  (label of the key rotation's audit action)
        from cities import lockout  # noqa: F401  (lockout audit)
        from cities import signals  # noqa: F401  (login/logout audit)
        from cities import tokens  # noqa: F401  (labels of the token audit actions)
        from cities import twofactor  # noqa: F401  (labels of the two-factor audit actions)
        from cities.views.health import health_panel
        from ipcity.home import register_home_panel

        register_home_panel(health_panel)
