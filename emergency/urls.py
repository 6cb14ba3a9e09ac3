from django.urls import path

from emergency import views

urlpatterns = [
    path("emergency/", views.emergency_open, name="emergency_open"),
    path("emergency/<int:access_id>/end/", views.emergency_end, name="emergency_end"),
    path("audit/emergency/", views.emergency_queue, name="emergency_queue"),
    path("audit/emergency/<int:access_id>/review/", views.emergency_review, name="emergency_review"),
]
