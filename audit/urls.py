from django.urls import path

from audit import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("audit/flags/", views.audit_flags, name="audit_flags"),
    path("audit/flags/review/", views.audit_flag_review, name="audit_flag_review"),
    path("audit/flags/reviewed/", views.audit_flags_reviewed, name="audit_flags_reviewed"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
]
