"""A URLconf for one test only: the application's URLs plus a page that reads a client
record with no access check and no audit event, as a careless new view would. The
authorization matrix must catch it (tests/test_authorization_matrix.py)."""

from django.http import HttpResponse
from django.urls import path

from practice.urls import urlpatterns as application_urlpatterns
from records.models import Client


def careless_chart(request, record_number):
    client = Client.objects.get(record_number=record_number)
    return HttpResponse(f"{client.first_name} {client.last_name}", content_type="text/plain")


urlpatterns = [*application_urlpatterns, path("careless/<str:record_number>/", careless_chart, name="careless_chart")]
