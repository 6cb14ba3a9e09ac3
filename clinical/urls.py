from django.urls import path

from clinical import views

urlpatterns = [
    path("clients/<str:record_number>/diagnoses/", views.diagnoses, name="diagnoses"),
    path("clients/<str:record_number>/diagnoses/new/", views.diagnosis_add, name="diagnosis_add"),
    path("diagnoses/<int:diagnosis_id>/", views.diagnosis_revise, name="diagnosis_revise"),
]
