from django.urls import path

from clinical import views

urlpatterns = [
    path("clients/<str:record_number>/diagnoses/", views.diagnoses, name="diagnoses"),
    path("clients/<str:record_number>/diagnoses/new/", views.diagnosis_add, name="diagnosis_add"),
    path("diagnoses/<int:diagnosis_id>/", views.diagnosis_revise, name="diagnosis_revise"),
    path("clients/<str:record_number>/plans/", views.plans, name="plans"),
    path("clients/<str:record_number>/plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/sign/", views.plan_sign, name="plan_sign"),
    path("clients/<str:record_number>/questionnaires/", views.measures, name="measures"),
    path("clients/<str:record_number>/questionnaires/assign/", views.measure_assign, name="measure_assign"),
    path("clients/<str:record_number>/questionnaires/enter/", views.measure_enter, name="measure_enter"),
    path("questionnaires/<int:measure_id>/", views.measure_detail, name="measure_detail"),
    path("questionnaires/<int:measure_id>/reviewed/", views.measure_reviewed, name="measure_reviewed"),
]
