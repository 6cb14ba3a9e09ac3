"""Every portal URL: a client gets 404 for any other client's object, and the pages
without an object show only the client's own record."""

from django.urls import reverse

from tests.portal.base import OTHER_RECIPIENT, OTHER_TEXT, PortalTestCase
from tests.urls_util import application_urls

# Portal URLs that take an object id, and the other client's object each is tried with.
OBJECT_URLS = {
    "portal_note": "other_note",
    "portal_authorization": "other_auth",
    "portal_decline": "other_auth",
    "portal_revoke": "other_auth",
    "portal_authorization_pdf": "other_auth",
    "portal_questionnaire": "other_measure",
    "portal_plan_acknowledge": "other_plan",
}
# Portal URLs without an object: the client's own record, whoever else exists.
OWN_URLS = {
    "portal_home": "get",
    "portal_record": "get",
    "portal_history": "get",
    "portal_accounting": "get",
    "portal_accounting_pdf": "get",
    "portal_copy_pdf": "post",
    "portal_copy_fhir": "post",
}


class PortalUrlAccessTest(PortalTestCase):
    def test_every_portal_url_is_in_this_test(self):
        names = {name for name, _ in application_urls() if name.startswith("portal_")}
        self.assertEqual(names, set(OBJECT_URLS) | set(OWN_URLS))

    def test_a_client_gets_404_for_every_other_clients_object(self):
        self.sign_in(self.claire)
        for name, attr in OBJECT_URLS.items():
            url = reverse(name, args=[getattr(self, attr).pk])
            for method in ("get", "post"):
                response = getattr(self.client, method)(url)
                self.assertEqual(response.status_code, 404, f"{method} {name}")
                self.assertNotContains(response, OTHER_RECIPIENT, status_code=404)
        self.other_auth.refresh_from_db()
        self.assertEqual(self.other_auth.status, "pending")

    def test_pages_without_an_object_show_only_the_clients_own_record(self):
        self.sign_in(self.claire)
        for name, method in OWN_URLS.items():
            response = getattr(self.client, method)(reverse(name))
            self.assertEqual(response.status_code, 200, name)
            body = response.content.decode("latin-1")
            for secret in (OTHER_TEXT, OTHER_RECIPIENT, self.other.record_number):
                self.assertNotIn(secret, body, name)
