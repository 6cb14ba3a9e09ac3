from django.urls import path

from consent import views

urlpatterns = [
    path("clients/<str:record_number>/authorizations/new/", views.authorization_new, name="authorization_new"),
    path(
        "clients/<str:record_number>/authorizations/from-request/",
        views.authorization_from_request,
        name="authorization_from_request",
    ),
    path("clients/<str:record_number>/share/", views.share, name="share"),
    path("clients/<str:record_number>/disclose-without-authorization/", views.disclose_legal, name="disclose_legal"),
    path(
        "clients/<str:record_number>/disclosures/<int:disclosure_id>/cancel/",
        views.disclosure_cancel,
        name="disclosure_cancel",
    ),
    path("practice/clients/<str:record_number>/part2/", views.client_part2, name="client_part2"),
    path("clients/<str:record_number>/accounting/", views.accounting, name="accounting"),
    path("clients/<str:record_number>/accounting.pdf", views.accounting_pdf, name="accounting_pdf"),
    path("disclosures/approvals/", views.legal_approvals, name="legal_approvals"),
    path(
        "disclosures/approvals/<int:request_id>/approve/",
        views.legal_request_decide,
        {"decision": "approve"},
        name="legal_request_approve",
    ),
    path(
        "disclosures/approvals/<int:request_id>/reject/",
        views.legal_request_decide,
        {"decision": "reject"},
        name="legal_request_reject",
    ),
    path("authorizations/<int:auth_id>/", views.authorization_detail, name="authorization_detail"),
    path("authorizations/<int:auth_id>/send/", views.authorization_send, name="authorization_send"),
    path("authorizations/<int:auth_id>/pdf/", views.authorization_pdf, name="authorization_pdf"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("d/<str:token>/", views.delivery_download, name="delivery_download"),
]
