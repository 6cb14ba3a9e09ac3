from django.urls import path

from portal import views

urlpatterns = [
    path("my/", views.home, name="portal_home"),
    path("my/record/", views.record, name="portal_record"),
    path("my/record/notes/<int:note_id>/", views.note, name="portal_note"),
    path("my/access/", views.history, name="portal_history"),
    path("my/questionnaires/<int:measure_id>/", views.questionnaire, name="portal_questionnaire"),
    path("my/plans/<int:plan_id>/acknowledge/", views.plan_acknowledge, name="portal_plan_acknowledge"),
    path("my/copy/pdf/", views.copy_download, {"fmt": "pdf"}, name="portal_copy_pdf"),
    path("my/copy/fhir/", views.copy_download, {"fmt": "fhir"}, name="portal_copy_fhir"),
    path("my/authorizations/<int:auth_id>/", views.authorization, name="portal_authorization"),
    path("my/authorizations/<int:auth_id>/decline/", views.decline, name="portal_decline"),
    path("my/authorizations/<int:auth_id>/revoke/", views.revoke, name="portal_revoke"),
    path("my/authorizations/<int:auth_id>/pdf/", views.authorization_pdf, name="portal_authorization_pdf"),
    path("my/accounting/", views.accounting, name="portal_accounting"),
    path("my/accounting.pdf", views.accounting_pdf, name="portal_accounting_pdf"),
    path("practice/clients/<str:record_number>/copy/", views.admin_copy, name="admin_record_copy"),
]
