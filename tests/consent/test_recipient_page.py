"""The recipient's download page: who sent the records, until when the link works and
how many downloads are left; a refused link says so without anything of the records;
a wrong code says how many tries are left; a success is a page of its own. Each state
is audited."""

import hashlib
import re
from datetime import timedelta

import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import Outcome
from consent import services
from consent.models import DeliveryLink
from tests.consent.base import ConsentTestCase

# What no refused page may show: the client, the categories, the sender.
SECRETS = ("Morgan", "Ellery", "Progress notes", "progress", "Alice", "alice", "Whitlock")


@override_settings(PRACTICE_NAME="Riverside Counseling", DISCLOSURE_MAX_DOWNLOADS=3, DISCLOSURE_MAX_CODE_ATTEMPTS=5)
class RecipientPageTest(ConsentTestCase):
    def setUp(self):
        self.alice.first_name, self.alice.last_name = "Alice", "Park"
        self.alice.save()
        with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 20, 15, 0)), tick=False):
            self.signed_note()
            self.signed()
            self.disclosure = self.share()
        self.token = re.search(r"/d/([\w-]+)/", mail.outbox[-2].body).group(1)
        self.code = re.search(r"code .*: (\d+)", mail.outbox[-1].body).group(1)
        self.url = reverse("delivery_download", args=[self.token])
        self.now = timezone.make_aware(timezone.datetime(2026, 11, 21, 9, 0))

    def at(self, when=None):
        return time_machine.travel(when or self.now, tick=False)

    def unlock(self, code=None):
        return self.client.post(self.url, {"code": code or self.code})

    def download(self):
        page = self.unlock()
        grant = re.search(r'name="grant" value="([^"]+)"', page.content.decode()).group(1)
        return self.client.post(self.url, {"grant": grant})

    def assertRefusedWithout(self, response, heading, status=403):
        self.assertContains(response, heading, status_code=status)
        page = response.content.decode()
        for secret in SECRETS:
            self.assertNotIn(secret, page)
        self.assertNotIn('name="code"', page)

    def test_the_page_says_who_sent_until_when_and_how_many_downloads_are_left(self):
        with self.at():
            response = self.client.get(self.url)
        self.assertContains(response, "Alice Park, Riverside Counseling, on November 20, 2026")
        # Seven days after it was made, in the practice's time zone (EST).
        self.assertContains(response, "November 27, 2026, 3:00 PM EST")
        self.assertContains(response, "3 of 3")
        self.assertNotContains(response, "Morgan")
        event = self.assertOneEvent("disclosure.link_open")
        self.assertEqual(
            (event.outcome, event.client, event.object_id), (Outcome.ALLOWED, self.rec, str(self.disclosure.pk))
        )

    def test_a_wrong_code_says_so_with_the_tries_left(self):
        with self.at():
            response = self.unlock("00000000")
        self.assertContains(response, "That access code is not right. 4 tries left", status_code=403)
        self.assertContains(response, "Alice Park", status_code=403)
        with self.at():
            response = self.unlock("00000001")
        self.assertContains(response, "3 tries left", status_code=403)
        reasons = [e.reason for e in self.events("disclosure.download", outcome=Outcome.DENIED)]
        self.assertEqual(reasons, ["wrong access code", "wrong access code"])

    def test_the_last_wrong_code_locks_the_link_and_says_so(self):
        with self.at():
            for _ in range(4):
                self.unlock("00000000")
            response = self.unlock("00000000")
            self.assertRefusedWithout(response, "This link is locked")
            self.assertRefusedWithout(self.unlock(), "This link is locked")
            self.assertRefusedWithout(self.client.get(self.url), "This link is locked")

    def test_a_success_is_a_page_of_its_own_without_the_earlier_error(self):
        with self.at():
            self.unlock("00000000")
            response = self.unlock()
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn("Code accepted", page)
        self.assertNotIn("not right", page)
        self.assertNotIn("tries left", page)
        self.assertIn("2 of 3 after this one", page)
        self.assertIn('src="/static/js/download.js"', page)
        self.assertOneEvent("disclosure.unlock", outcome=Outcome.ALLOWED, client=self.rec)
        # The code alone downloads nothing: the page's button does, once.
        self.assertEqual(DeliveryLink.objects.get().downloads, 0)

    def test_the_download_is_the_package_counted_and_audited(self):
        with self.at():
            response = self.download()
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertEqual(hashlib.sha256(response.content).hexdigest(), self.disclosure.package_sha256)
        self.assertEqual(DeliveryLink.objects.get().downloads, 1)
        self.assertOneEvent("disclosure.download", outcome=Outcome.ALLOWED, client=self.rec)
        with self.at():
            self.assertContains(self.client.get(self.url), "2 of 3")

    def test_a_download_button_works_once(self):
        with self.at():
            page = self.unlock().content.decode()
            grant = re.search(r'name="grant" value="([^"]+)"', page).group(1)
            self.assertEqual(self.client.post(self.url, {"grant": grant})["Content-Type"], "application/pdf")
            again = self.client.post(self.url, {"grant": grant})
        self.assertContains(again, "Enter the access code again", status_code=403)
        self.assertEqual(DeliveryLink.objects.get().downloads, 1)

    def test_a_download_button_older_than_ten_minutes_does_nothing(self):
        with self.at():
            page = self.unlock().content.decode()
        grant = re.search(r'name="grant" value="([^"]+)"', page).group(1)
        with self.at(self.now + timedelta(minutes=11)):
            self.assertContains(
                self.client.post(self.url, {"grant": grant}), "Enter the access code again", status_code=403
            )
        self.assertEqual(DeliveryLink.objects.get().downloads, 0)

    def test_used_up(self):
        with self.at():
            for _ in range(3):
                self.assertEqual(self.download()["Content-Type"], "application/pdf")
            self.assertRefusedWithout(self.client.get(self.url), "This link has been used up")
            self.assertRefusedWithout(self.unlock(), "This link has been used up")
        denied = self.events("disclosure.link_open", outcome=Outcome.DENIED)
        self.assertEqual([e.reason for e in denied], ["download limit reached"])

    def test_expired(self):
        with self.at(self.now + timedelta(days=7)):
            self.assertRefusedWithout(self.client.get(self.url), "This link has expired")
            self.assertRefusedWithout(self.unlock(), "This link has expired")
        self.assertEqual(self.events("disclosure.link_open", outcome=Outcome.DENIED)[0].reason, "link expired")

    def test_withdrawn_by_the_practice_even_with_the_right_code(self):
        services.disclosure_cancel(actor=self.alice, disclosure_id=self.disclosure.pk)
        with self.at():
            self.assertRefusedWithout(self.client.get(self.url), "This link was withdrawn")
            self.assertRefusedWithout(self.unlock(), "This link was withdrawn")
        self.assertIn("cancelled", self.events("disclosure.download", outcome=Outcome.DENIED)[-1].reason)

    def test_a_revoked_authorization_withdraws_the_link(self):
        auth = self.disclosure.authorization
        services.authorization_revoke(actor=self.claire, auth_id=auth.pk)
        with self.at():
            self.assertRefusedWithout(self.client.get(self.url), "This link was withdrawn")
            self.assertRefusedWithout(self.unlock(), "This link was withdrawn")

    def test_a_revocation_after_the_code_stops_the_download(self):
        with self.at():
            page = self.unlock().content.decode()
            grant = re.search(r'name="grant" value="([^"]+)"', page).group(1)
            services.authorization_revoke(actor=self.claire, auth_id=self.disclosure.authorization.pk)
            self.assertRefusedWithout(self.client.post(self.url, {"grant": grant}), "This link was withdrawn")
        self.assertEqual(DeliveryLink.objects.get().downloads, 0)

    def test_an_unknown_link(self):
        url = reverse("delivery_download", args=["x" * 43])
        self.assertRefusedWithout(self.client.get(url), "This link is not valid", status=404)
        self.assertRefusedWithout(self.client.post(url, {"code": self.code}), "This link is not valid", status=404)
        self.assertEqual(self.events("disclosure.link_open", outcome=Outcome.DENIED)[0].reason, "unknown link")
        self.assertEqual(self.events("disclosure.download", outcome=Outcome.DENIED)[0].reason, "unknown link")

    def test_an_empty_code_is_asked_for_again_with_the_page(self):
        with self.at():
            response = self.client.post(self.url, {"code": ""})
        self.assertContains(response, "This field is required.")
        self.assertContains(response, "3 of 3")
        self.assertOneEvent("disclosure.link_open", outcome=Outcome.ALLOWED)

    def test_staff_and_clients_signed_in_get_the_same_page_and_nothing_more(self):
        for person in (self.alice, self.bob, self.avery, self.claire):
            self.sign_in(person)
            with self.at():
                response = self.client.get(self.url)
            self.assertContains(response, "3 of 3")
            self.assertNotContains(response, "Morgan")
