"""Every refusal recorded, from one place (audit.refusals): a 403 or 404 leaves exactly
one denied event for its request, whether the view recorded it, forgot to, or recorded
it inside a transaction that rolled back."""

from django.test import override_settings

from audit.models import AuditEvent, Outcome
from practice.models import User
from tests.base import PracticeTestCase
from tests.urls_util import PUBLIC_URL_NAMES
from tests.walk import WalkTestCase


def denied_for(response):
    return list(AuditEvent.objects.filter(request_id=response["X-Request-ID"], outcome=Outcome.DENIED).order_by("seq"))


@override_settings(ROOT_URLCONF="tests.refusal_urls")
class OneHandlerTest(PracticeTestCase):
    def setUp(self):
        self.sign_in(self.alice)

    def get_one_denied(self, path, status):
        response = self.client.get(path)
        self.assertEqual(response.status_code, status)
        events = denied_for(response)
        self.assertEqual(len(events), 1, events)
        return events[0]

    def test_a_forgotten_refusal_is_recorded_by_the_handler(self):
        event = self.get_one_denied("/t/forgotten/", 403)
        self.assertEqual((event.action, event.actor, event.object_type), ("request.refused", self.alice, "url"))
        self.assertEqual(event.reason, "not recorded where refused: only the care team")

    def test_djangos_own_404_is_recorded(self):
        event = self.get_one_denied("/t/django-404/", 404)
        self.assertEqual((event.action, event.reason), ("request.refused", "not found"))

    def test_a_recorded_refusal_is_not_recorded_twice(self):
        event = self.get_one_denied("/t/refused/", 404)
        self.assertEqual((event.action, event.object_id, event.reason), ("test.refused", "C-000009", "no access"))

    def test_a_refusal_rolled_back_with_its_transaction_is_recorded_after_the_rollback(self):
        event = self.get_one_denied("/t/rolled-back/", 404)
        self.assertEqual((event.action, event.actor, event.object_id), ("test.refused", self.alice, "C-000009"))
        self.assertEqual(event.reason, "no access (recorded again after a rollback)")
        self.assertEqual(User.objects.get(pk=self.alice.pk).first_name, "Alice")  # the work was rolled back

    def test_a_caught_refusal_that_was_rolled_back_is_recorded_too(self):
        response = self.client.get("/t/caught/")
        self.assertEqual(response.status_code, 200)
        [event] = denied_for(response)
        self.assertEqual(event.action, "test.refused")

    def test_a_request_that_recorded_its_denials_gets_no_extra_one(self):
        response = self.client.get("/t/twice/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual([e.action for e in denied_for(response)], ["test.first", "test.second"])

    def test_an_unknown_page_asked_by_a_signed_in_user_is_recorded(self):
        event = self.get_one_denied("/django-admin/", 404)
        self.assertEqual((event.action, event.object_id, event.reason), ("request.refused", "", "no such page"))

    def test_an_unknown_page_asked_anonymously_is_not(self):
        self.client.logout()
        response = self.client.get("/django-admin/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(denied_for(response), [])

    @override_settings(DEBUG=True)
    def test_with_debug_on_the_middleware_notes_the_refusal(self):
        response = self.client.get("/t/forgotten/")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(len(denied_for(response)), 1)


class EveryRefusalPathTest(WalkTestCase):
    """Every URL pattern, as each persona, GET and POST: a 403 or 404 carries exactly one
    denied event for its request; no response carries two of the same refusal."""

    def test_every_403_and_404_has_exactly_one_denied_event(self):
        refusals = 0
        for user in (self.bob, self.claire, self.sam, self.alice, self.avery):
            self.sign_in(User.objects.get(pk=user.pk))
            for name, _route, path in self.routes(skip={"logout"}):
                for method in ("get", "post"):
                    response = getattr(self.client, method)(path)
                    events = denied_for(response)
                    where = f"{user} {method.upper()} {path} ({name}) -> {response.status_code}: {events}"
                    if response.status_code in (403, 404):
                        self.assertEqual(len(events), 1, where)
                        refusals += 1
                    else:
                        self.assertLessEqual(len(events), 1, where)
        self.assertGreater(refusals, 150)

    def test_anonymous_refusals_on_public_pages_have_one_event_each(self):
        for name, _route, path in self.routes():
            if name not in PUBLIC_URL_NAMES or name == "logout":
                continue
            for method in ("get", "post"):
                response = getattr(self.client, method)(path)
                if response.status_code in (403, 404):
                    self.assertEqual(len(denied_for(response)), 1, f"{method} {path}")
