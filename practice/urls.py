from django.contrib.auth import views as auth_views
from django.urls import include, path

from practice import views

# Security note: there is no Django admin. Every page goes through the services and the
# audit log; operators use management commands (README, "Operator commands").

# Every 403 and 404 goes through these, so that a refusal nobody recorded still gets its
# audit event (audit.refusals).
handler400 = views.bad_request
handler403 = views.forbidden
handler404 = views.not_found

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Sign-in
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.sign_out, name="logout"),
    path("accounts/2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("accounts/2fa/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("accounts/2fa/recovery-codes/", views.recovery_codes_regenerate, name="two_factor_recovery_codes"),
    path("accounts/session/keepalive/", views.keepalive, name="keepalive"),
    path("accounts/session/status/", views.session_status, name="session_status"),
    path("accounts/password/change/", views.PasswordChange.as_view(), name="password_change"),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        views.PasswordReset.as_view(),
        name="password_reset",
    ),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Practice admin: staff accounts
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:user_id>/active/", views.staff_set_active, name="staff_set_active"),
    path("staff/<int:user_id>/role/", views.staff_change_role, name="staff_change_role"),
    path("staff/<int:user_id>/supervision/", views.staff_supervision, name="staff_supervision"),
    path("staff/<int:user_id>/reset-2fa/", views.staff_reset_two_factor, name="staff_reset_two_factor"),
    path("staff/<int:user_id>/password-link/", views.staff_send_password_link, name="staff_send_password_link"),
    path("", include("records.urls")),
    path("", include("audit.urls")),
    path("", include("consent.urls")),
    path("", include("emergency.urls")),
    path("", include("portal.urls")),
    path("", include("retention.urls")),
    path("", include("clinical.urls")),
]
