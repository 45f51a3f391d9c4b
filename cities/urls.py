from django.contrib.auth import views as auth_views
from django.urls import path

from cities.views import accounts, audit, health, home, inbox, places, tokens, twofactor

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/locked/", accounts.locked_accounts, name="locked_accounts"),
    path("accounts/locked/unlock/", accounts.unlock_account, name="unlock_account"),
    path("accounts/two-factor/", twofactor.two_factor, name="two_factor"),
    path("accounts/two-factor/enrol/", twofactor.two_factor_enrol, name="two_factor_enrol"),
    path("accounts/two-factor/verify/", twofactor.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/backup-codes/", twofactor.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("accounts/second-factors/", twofactor.second_factors, name="second_factors"),
    path("accounts/second-factors/reset/", twofactor.second_factor_reset, name="second_factor_reset"),
    path("accounts/tokens/", tokens.api_tokens, name="api_tokens"),
    path("accounts/tokens/<int:pk>/revoke/", tokens.api_token_revoke, name="api_token_revoke"),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/full", health.healthz_full, name="healthz_full"),
    path("cities/", places.city_list, name="city_list"),
    path("cities/<str:code>/", places.city_detail, name="city_detail"),
    path("cities/<str:code>/designations/grant/", places.designation_grant, name="designation_grant"),
    path("designations/<int:pk>/<str:action>/", places.designation_action, name="designation_action"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/open/", inbox.notification_open, name="notification_open"),
    path("inbox/read-all/", inbox.notifications_read_all, name="notifications_read_all"),
]
