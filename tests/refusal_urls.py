"""The application's URLs plus a few views that refuse in each way a view can, for
tests/audit/test_refusals.py."""

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path

import audit
from audit.models import Outcome
from audit.services import refuse
from practice import views
from practice.exceptions import PermissionDenied
from practice.models import User

handler403 = views.forbidden
handler404 = views.not_found


def forgotten(request):
    raise PermissionDenied("only the care team")


def django_404(request):
    get_object_or_404(User, pk=0)


def refused_properly(request):
    refuse("test.refused", request.user, object_type="client", object_id="C-000009", reason="no access")


def refused_inside_a_rolled_back_transaction(request):
    with transaction.atomic():
        User.objects.filter(pk=request.user.pk).update(first_name="Changed")
        refuse("test.refused", request.user, object_type="client", object_id="C-000009", reason="no access")


def refusal_caught_after_a_rollback(request):
    try:
        with transaction.atomic():
            audit.record(action="test.refused", actor=request.user, outcome=Outcome.DENIED, reason="over the limit")
            raise PermissionDenied("over the limit")
    except PermissionDenied:
        return HttpResponse("Refused: over the limit. Your text is kept below.")


def denied_twice(request):
    audit.record(action="test.first", actor=request.user, outcome=Outcome.DENIED, reason="first")
    refuse("test.second", request.user, object_type="x", reason="second")


urlpatterns = [
    path("t/forgotten/", forgotten),
    path("t/django-404/", django_404),
    path("t/refused/", refused_properly),
    path("t/rolled-back/", refused_inside_a_rolled_back_transaction),
    path("t/caught/", refusal_caught_after_a_rollback),
    path("t/twice/", denied_twice),
    path("", include("practice.urls")),
]
