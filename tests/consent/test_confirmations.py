"""Confirm before anything leaves: releasing records shows what the package will hold,
and sending an authorization shows what the client will receive; nothing is stored or
sent before the confirmation, and going back keeps what was typed. No JavaScript."""

import re
from datetime import date

from django.core import mail
from django.urls import reverse

from audit.models import Outcome
from consent.models import Authorization, DeliveryLink, Disclosure
from records import services as records_services
from tests.base import make_user
from tests.consent.base import RECIPIENT, ConsentTestCase

FORM = {
    **RECIPIENT,
    "categories": ["attendance", "progress_notes"],
    "information_from": "2026-03-01",
    "information_to": "2026-11-30",
    "purpose": "continuity",
    "purpose_detail": "Referral for group therapy",
}


def hidden_fields(html: str) -> list[tuple[str, str]]:
    """The (name, value) pairs a page's form carries, as a browser would post them."""
    import html as html_lib

    return [
        (html_lib.unescape(name), html_lib.unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
        if name != "csrfmiddlewaretoken"
    ]


def as_data(pairs) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


class SharePreviewTest(ConsentTestCase):
    def setUp(self):
        self.auth = self.signed(categories=["attendance", "progress_notes", "substance_use"])
        # Two signed notes in the period (one with an addendum), one outside it, one draft.
        for day in (date(2026, 4, 7), date(2026, 5, 12)):
            records_services.note_sign(actor=self.alice, note_id=self.write_note(date_of_service=day).pk)
        first = self.rec.notes.get(date_of_service=date(2026, 4, 7))
        records_services.addendum_create(actor=self.alice, note_id=first.pk, text="The session lasted 45 minutes.")
        records_services.note_sign(actor=self.alice, note_id=self.write_note(date_of_service=date(2026, 1, 5)).pk)
        self.write_note(date_of_service=date(2026, 6, 1))
        mail.outbox.clear()
        self.url = reverse("share", args=[self.rec.record_number])
        self.sign_in(self.alice)

    def preview(self, **changes):
        return self.client.post(self.url, {**FORM, **changes})

    def test_the_preview_says_what_the_package_holds_and_nothing_leaves(self):
        response = self.preview()
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn("Check before release", page)
        self.assertIn("Dr. Dana Whitlock, Eastside Clinic", page)
        self.assertIn("Attendance and dates of service", page)
        self.assertIn("Progress notes", page)
        self.assertIn("Mar 1, 2026 to Nov 30, 2026", page)
        self.assertIn("2 signed notes and 1 addendum in this period", page)
        self.assertIn(f"#{self.auth.pk}</a>", page)
        self.assertIn("NOTICE TO RECIPIENT", page)
        self.assertNotIn("42 CFR Part 2 NOTICE", page)  # no substance-use information asked
        self.assertEqual(Disclosure.objects.count(), 0)
        self.assertEqual(DeliveryLink.objects.count(), 0)
        self.assertEqual(mail.outbox, [])
        event = self.assertOneEvent("disclosure.preview", actor=self.alice)
        self.assertEqual((event.outcome, event.client), (Outcome.ALLOWED, self.rec))
        self.assertEqual(self.events("disclosure.share"), [])

    def test_part_2_information_brings_its_notice_into_the_preview(self):
        page = self.preview(categories=["substance_use"]).content.decode()
        self.assertIn("Substance-use information (42 CFR Part 2)", page)
        self.assertIn("42 CFR Part 2 NOTICE", page)

    def test_confirming_releases_exactly_what_was_previewed(self):
        page = self.preview().content.decode()
        carried = dict(hidden_fields(page))
        self.assertEqual(carried["recipient_email"], RECIPIENT["recipient_email"])
        response = self.client.post(self.url, as_data([*hidden_fields(page), ("step", "confirm")]))
        self.assertRedirects(response, reverse("chart", args=[self.rec.record_number]))
        disclosure = Disclosure.objects.get()
        self.assertEqual(
            (disclosure.recipient_name, sorted(disclosure.categories), disclosure.information_from),
            (RECIPIENT["recipient_name"], ["attendance", "progress_notes"], date(2026, 3, 1)),
        )
        self.assertEqual(disclosure.purpose_detail, "Referral for group therapy")
        self.assertEqual(disclosure.authorization, self.auth)
        self.assertEqual(len(mail.outbox), 2)
        self.assertOneEvent("disclosure.share", actor=self.alice, outcome=Outcome.ALLOWED)

    def test_a_confirmation_with_a_changed_value_is_previewed_again_not_released(self):
        page = self.preview().content.decode()
        fields = [(k, "2026-04-01" if k == "information_from" else v) for k, v in hidden_fields(page)]
        response = self.client.post(self.url, as_data([*fields, ("step", "confirm")]))
        self.assertContains(response, "Check before release")
        self.assertContains(response, "Apr 1, 2026 to Nov 30, 2026")
        self.assertEqual(Disclosure.objects.count(), 0)
        self.assertEqual(mail.outbox, [])

    def test_a_confirmation_without_its_preview_is_only_a_preview(self):
        response = self.client.post(self.url, {**FORM, "step": "confirm"})
        self.assertContains(response, "Check before release")
        self.assertEqual(Disclosure.objects.count(), 0)

    def test_going_back_keeps_every_value(self):
        page = self.preview().content.decode()
        response = self.client.post(self.url, as_data([*hidden_fields(page), ("step", "edit")]))
        self.assertEqual(response.status_code, 200)
        form = response.content.decode()
        self.assertIn('value="Dr. Dana Whitlock"', form)
        self.assertIn('value="Referral for group therapy"', form)
        self.assertIn('value="2026-03-01"', form)
        self.assertRegex(form, r'value="attendance"[^>]*checked')
        self.assertRegex(form, r'<option value="continuity" selected>')
        self.assertIn("Check consent and preview", form)
        self.assertEqual(Disclosure.objects.count(), 0)

    def test_a_refused_preview_names_what_is_missing_and_keeps_the_values(self):
        response = self.preview(recipient_name="Someone Else")
        self.assertContains(response, "names a different recipient", status_code=403)
        self.assertContains(response, 'value="Someone Else"', status_code=403)
        event = self.assertOneEvent("disclosure.preview", outcome=Outcome.DENIED)
        self.assertEqual(event.client, self.rec)
        self.assertEqual(Disclosure.objects.count(), 0)

    def test_a_revocation_between_preview_and_confirmation_stops_the_release(self):
        from consent import services

        page = self.preview().content.decode()
        services.authorization_revoke(actor=self.claire, auth_id=self.auth.pk)
        response = self.client.post(self.url, as_data([*hidden_fields(page), ("step", "confirm")]))
        self.assertContains(response, "was revoked on", status_code=403)
        self.assertEqual(Disclosure.objects.count(), 0)
        self.assertOneEvent("disclosure.share", outcome=Outcome.DENIED)

    def test_the_recipient_is_picked_from_the_authorization(self):
        response = self.client.get(self.url, {"authorization": self.auth.pk})
        page = response.content.decode()
        self.assertIn('value="Dr. Dana Whitlock"', page)
        self.assertIn('value="dwhitlock@example.invalid"', page)
        self.assertIn(f'<option value="{self.auth.pk}" selected>', page)
        # Chosen, not typed: the recipient comes from the authorization.
        response = self.client.post(
            self.url,
            {
                **FORM,
                "authorization": self.auth.pk,
                "recipient_name": "",
                "recipient_email": "",
                "recipient_organization": "",
            },
        )
        self.assertContains(response, "Dr. Dana Whitlock, Eastside Clinic")
        self.assertContains(response, "dwhitlock@example.invalid")
        page = response.content.decode()
        response = self.client.post(self.url, as_data([*hidden_fields(page), ("step", "confirm")]))
        self.assertEqual(Disclosure.objects.get().recipient_email, "dwhitlock@example.invalid")

    def test_an_authorization_of_another_client_cannot_be_picked(self):
        other_auth = Authorization.objects.create(
            client=self.other,
            prepared_by=self.bob,
            recipient_name="Elsewhere",
            recipient_email="else@example.invalid",
            information_from=date(2026, 1, 1),
            information_to=date(2026, 12, 31),
            purpose="continuity",
            expires_on=date(2030, 1, 1),
        )
        page = self.client.get(self.url, {"authorization": other_auth.pk}).content.decode()
        self.assertNotIn("Elsewhere", page)
        response = self.client.post(self.url, {**FORM, "authorization": other_auth.pk})
        self.assertEqual(response.status_code, 404)
        self.assertOneEvent("disclosure.preview", outcome=Outcome.DENIED)
        self.assertEqual(Disclosure.objects.count(), 0)

    def test_who_may_not_preview(self):
        dave = make_user("dave", "client")
        for person in (self.bob, self.avery, self.sam, dave):
            self.sign_in(person)
            response = self.preview()
            self.assertIn(response.status_code, (403, 404), person)
            self.assertOneEvent("disclosure.preview", actor=person, outcome=Outcome.DENIED)
        self.client.logout()
        response = self.preview()
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Disclosure.objects.count(), 0)
        self.assertEqual(mail.outbox, [])


class LegalPreviewTest(ConsentTestCase):
    FORM = {
        "recipient_name": "County Sheriff",
        "recipient_email": "sheriff@example.invalid",
        "categories": ["attendance"],
        "information_from": "2026-03-01",
        "information_to": "2026-11-30",
        "purpose": "other",
        "purpose_detail": "Duty to protect an identified person",
        "legal_basis": "duty_to_warn",
        "justification": "Client disclosed a specific, credible threat against an identified person.",
    }

    def test_the_legal_path_previews_then_releases_on_confirmation(self):
        self.sign_in(self.alice)
        url = reverse("disclose_legal", args=[self.rec.record_number])
        response = self.client.post(url, self.FORM)
        self.assertContains(response, "Check before release")
        self.assertContains(response, "Serious and imminent threat (duty to warn or protect) (45 CFR 164.512(j)(1)(i))")
        self.assertContains(response, "County Sheriff")
        self.assertEqual(Disclosure.objects.count(), 0)
        self.assertEqual(mail.outbox, [])
        self.assertOneEvent("disclosure.legal_preview", actor=self.alice)
        page = response.content.decode()
        back = self.client.post(url, as_data([*hidden_fields(page), ("step", "edit")]))
        self.assertContains(back, "specific, credible threat")
        response = self.client.post(url, as_data([*hidden_fields(page), ("step", "confirm")]))
        self.assertRedirects(response, reverse("chart", args=[self.rec.record_number]))
        self.assertEqual(Disclosure.objects.get().legal_basis, "duty_to_warn")
        self.assertOneEvent("disclosure.legal", actor=self.alice)


class AuthorizationSendPreviewTest(ConsentTestCase):
    def setUp(self):
        self.auth = self.prepare(expires_on=date(2027, 2, 1), purpose_detail="Coordination with the new clinic")
        self.url = reverse("authorization_send", args=[self.auth.pk])

    def test_shows_what_the_client_receives_and_sends_nothing(self):
        self.sign_in(self.alice)
        page = self.client.get(self.url).content.decode()
        self.assertIn("Send this form to Morgan Ellery?", page)
        self.assertIn("claire@", page)  # the portal account's address
        self.assertIn("a form is waiting for your signature", page)  # the email's subject
        self.assertIn("AUTHORIZATION FOR RELEASE OF INFORMATION", page)  # the form's text
        self.assertIn("February 1, 2027", page)
        self.assertIn("Dr. Dana Whitlock, Eastside Clinic", page)
        self.assertIn("Continuity of care / coordination of treatment: Coordination with the new clinic", page)
        self.auth.refresh_from_db()
        self.assertEqual(self.auth.status, "draft")
        self.assertEqual(mail.outbox, [])
        self.assertOneEvent("authorization.send_preview", actor=self.alice)
        self.assertEqual(self.events("authorization.send"), [])

    def test_a_post_without_the_shown_text_is_a_preview(self):
        self.sign_in(self.alice)
        response = self.client.post(self.url)
        self.assertContains(response, "Send this form to Morgan Ellery?")
        self.auth.refresh_from_db()
        self.assertEqual(self.auth.status, "draft")

    def test_confirming_sends_it(self):
        self.sign_in(self.alice)
        page = self.client.get(self.url).content.decode()
        response = self.client.post(self.url, as_data(hidden_fields(page)))
        self.assertRedirects(response, reverse("authorization_detail", args=[self.auth.pk]))
        self.auth.refresh_from_db()
        self.assertEqual(self.auth.status, "pending")
        self.assertEqual(len(mail.outbox), 1)
        self.assertOneEvent("authorization.send", actor=self.alice, outcome=Outcome.ALLOWED)

    def test_a_text_changed_since_the_preview_is_shown_again_not_sent(self):
        self.sign_in(self.alice)
        response = self.client.post(self.url, {"shown_sha256": "0" * 64})
        self.assertContains(response, "changed since you looked at it")
        self.auth.refresh_from_db()
        self.assertEqual(self.auth.status, "draft")
        self.assertEqual(mail.outbox, [])
        self.assertOneEvent("authorization.send", outcome=Outcome.DENIED)

    def test_who_may_not_see_the_preview(self):
        dave = make_user("dave", "client")
        for person in (self.bob, self.avery, self.sam, self.claire, dave):
            self.sign_in(person)
            self.assertIn(self.client.get(self.url).status_code, (403, 404), person)
            self.assertOneEvent("authorization.send_preview", actor=person, outcome=Outcome.DENIED)
        self.client.logout()
        self.assertEqual(self.client.get(self.url).status_code, 302)
        self.auth.refresh_from_db()
        self.assertEqual(self.auth.status, "draft")
