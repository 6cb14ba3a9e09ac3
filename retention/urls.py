from django.urls import path

from retention import views

urlpatterns = [
    path("practice/retention/", views.retention_overview, name="retention_overview"),
    path("practice/retention/policy/", views.policy_set, name="retention_policy_set"),
    path("practice/retention/holds/", views.hold_place, name="retention_hold_place"),
    path("practice/retention/holds/<int:hold_id>/release/", views.hold_release, name="retention_hold_release"),
    path("practice/retention/disposals/", views.disposal_propose, name="disposal_propose"),
    path("practice/retention/disposals/<int:disposal_id>/approve/", views.disposal_approve, name="disposal_approve"),
    path("practice/retention/disposals/<int:disposal_id>/withdraw/", views.disposal_withdraw, name="disposal_withdraw"),
    path(
        "practice/retention/disposals/<int:disposal_id>/certificate.pdf",
        views.disposal_certificate,
        name="disposal_certificate",
    ),
]
