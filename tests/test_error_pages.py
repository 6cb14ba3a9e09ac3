"""A demo run (DJANGO_DEBUG=1, as `make run` has it) shows the product's own 404 and 403
pages, never Django's technical 404 page with the list of every URL pattern, and each
refusal still leaves its one denied event. The same holds without DEBUG."""

from django.test import override_settings

from audit.models import AuditEvent, Outcome
from tests.records.base import RecordsTestCase

# What only Django's technical 404 page says.
TECHNICAL = ("URLconf", "Django tried these URL patterns", "DEBUG = True", "Raised by:")


class ErrorPagesTest(RecordsTestCase):
    def assertProductPage(self, response, status, heading):
        self.assertEqual(response.status_code, status)
        self.assertTemplateUsed(response, f"{status}.html")
        text = response.content.decode()
        self.assertIn(f"<h1>{heading}</h1>", text)
        self.assertIn("Riverside Counseling", text)  # the practice's layout, not a bare page
        for phrase in TECHNICAL:
            self.assertNotIn(phrase, text)
        self.assertNotIn("[name=&#x27;", text)  # the pattern list: "caseload/ [name='caseload']"
        self.assertNotIn("[name='", text)

    def denied(self, response):
        return list(AuditEvent.objects.filter(request_id=response["X-Request-ID"], outcome=Outcome.DENIED))

    def check_refused_chart(self):
        self.sign_in(self.bob)
        response = self.client.get(f"/clients/{self.rec.record_number}/")
        self.assertProductPage(response, 404, "Not found")
        self.assertNotIn("Morgan", response.content.decode())
        [event] = self.denied(response)
        self.assertEqual(
            (event.action, event.actor_id, event.object_id), ("chart.view", self.bob.pk, self.rec.record_number)
        )

    def check_mistyped_address(self):
        self.sign_in(self.alice)
        response = self.client.get("/clients-typo/nothing/")
        self.assertProductPage(response, 404, "Not found")
        [event] = self.denied(response)
        self.assertEqual(
            (event.action, event.actor_id, event.reason), ("request.refused", self.alice.pk, "no such page")
        )

    def check_forbidden_page(self):
        self.sign_in(self.alice)  # a counselor, not a practice admin
        response = self.client.get("/staff/")
        self.assertProductPage(response, 403, "Not allowed")
        self.assertEqual(len(self.denied(response)), 1)

    @override_settings(DEBUG=True)
    def test_demo_run_refused_chart_is_the_product_404_with_its_denied_event(self):
        self.check_refused_chart()

    @override_settings(DEBUG=True)
    def test_demo_run_mistyped_address_is_the_product_404_with_its_denied_event(self):
        self.check_mistyped_address()

    @override_settings(DEBUG=True)
    def test_demo_run_forbidden_page_is_the_product_403_with_its_denied_event(self):
        self.check_forbidden_page()

    @override_settings(DEBUG=True)
    def test_demo_run_mistyped_address_without_signing_in_shows_the_404_and_writes_nothing(self):
        before = AuditEvent.objects.count()
        response = self.client.get("/wp-login.php")
        self.assertProductPage(response, 404, "Not found")
        self.assertEqual(AuditEvent.objects.count(), before)

    @override_settings(DEBUG=True)
    def test_demo_run_still_adds_the_slash_to_an_address_without_it(self):
        self.sign_in(self.alice)
        response = self.client.get("/caseload")
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], "/caseload/")

    @override_settings(DEBUG=False)
    def test_production_pages_are_the_same(self):
        self.check_refused_chart()
        self.check_mistyped_address()
        self.check_forbidden_page()
