from django.urls import path

from records import views

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("clients/<str:record_number>/", views.chart, name="chart"),
    path("clients/<str:record_number>/notes/new/", views.note_create, name="note_create"),
    path("clients/<str:record_number>/status/", views.client_status, name="client_status"),
    path(
        "clients/<str:record_number>/psychotherapy-notes/new/",
        views.psychotherapy_note_create,
        name="psychotherapy_note_create",
    ),
    path("notes/<int:note_id>/", views.note_detail, name="note_detail"),
    path("notes/<int:note_id>/edit/", views.note_edit, name="note_edit"),
    path("notes/<int:note_id>/print/", views.note_print, name="note_print"),
    path("notes/<int:note_id>/sign/", views.note_sign, name="note_sign"),
    path("notes/<int:note_id>/cosign/", views.note_cosign, name="note_cosign"),
    path("notes/<int:note_id>/return/", views.note_return, name="note_return"),
    path("notes/<int:note_id>/addenda/", views.addendum_create, name="addendum_create"),
    path("psychotherapy-notes/<int:note_id>/", views.psychotherapy_note_detail, name="psychotherapy_note_detail"),
    path("practice/clients/", views.admin_clients, name="admin_clients"),
    path("practice/clients/new/", views.admin_client_create, name="admin_client_create"),
    path(
        "practice/clients/<str:record_number>/assignments/",
        views.admin_client_assignments,
        name="admin_client_assignments",
    ),
    path(
        "practice/clients/<str:record_number>/assignments/<int:user_id>/end/",
        views.admin_unassign,
        name="admin_unassign",
    ),
]
