"""Home pages by role: what waits for each person, with counts and links to the work,
and nothing of anyone else's clients."""

from datetime import date

from django.urls import reverse

from consent import services as consent_services
from records import services as records_services
from tests.consent.base import BASE_URL, ConsentTestCase


class HomePageTest(ConsentTestCase):
    def home(self, user):
        self.sign_in(user)
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_counselor_sees_her_drafts_with_a_link_to_finish_each(self):
        draft = self.write_note(date_of_service=date(2026, 11, 19))
        page = self.home(self.alice)
        self.assertIn("Drafts to finish", page)
        self.assertIn(f'href="/notes/{draft.pk}/edit/"', page)
        self.assertIn("Nov 19, 2026 · Morgan Ellery", page)
        self.assertRegex(page, r'Drafts to finish <span class="count due">1</span>')

    def test_counts_say_the_whole_number_when_the_list_is_cut(self):
        for day in range(1, 11):
            self.write_note(date_of_service=date(2026, 10, day))
        page = self.home(self.alice)
        self.assertRegex(page, r'Drafts to finish <span class="count due">10</span>')
        self.assertEqual(page.count('/edit/"'), 8)
        self.assertIn("2 more…", page)

    def test_nothing_waiting_says_so(self):
        page = self.home(self.alice)
        self.assertIn("No unsigned drafts.", page)
        self.assertIn("No forms wait for a client&#x27;s signature.", page)

    def test_unassigned_counselor_sees_nothing_of_another_counselors_client(self):
        self.write_note()
        self.prepare_and_send()
        page = self.home(self.bob)
        self.assertNotIn("Morgan", page)
        self.assertNotIn("Ellery", page)
        self.assertIn("No unsigned drafts.", page)

    def test_a_draft_on_a_client_no_longer_assigned_is_not_listed(self):
        self.write_note()
        records_services.unassign(actor=self.avery, client=self.rec, counselor=self.alice)
        page = self.home(self.alice)
        self.assertNotIn("Morgan", page)

    def test_pre_licensed_note_shows_for_its_author_and_for_the_supervisor_to_cosign(self):
        records_services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=True)
        note = records_services.note_sign(actor=self.alice, note_id=self.write_note().pk)
        author_page = self.home(self.alice)
        self.assertIn(f'href="/notes/{note.pk}/"', author_page)
        self.assertIn("waiting for your supervisor", author_page)
        supervisor_page = self.home(self.sam)
        self.assertIn(f'href="/notes/{note.pk}/"', supervisor_page)
        self.assertIn("by alice", supervisor_page.replace("Alice", "alice"))
        self.assertIn("yours to co-sign", supervisor_page)
        self.assertNotIn(f'href="/notes/{note.pk}/"', self.home(self.bob))

    def prepare_and_send(self):
        auth = self.prepare()
        consent_services.authorization_send(actor=self.alice, auth_id=auth.pk, request_base_url=BASE_URL)
        return auth

    def test_counselor_sees_forms_waiting_for_the_clients_signature(self):
        auth = self.prepare_and_send()
        self.prepare()  # a draft: not sent, not waiting for the client
        page = self.home(self.alice)
        self.assertIn(f'href="/authorizations/{auth.pk}/"', page)
        self.assertRegex(page, r'Forms waiting for the client&#x27;s signature <span class="count due">1</span>')

    def test_client_sees_forms_to_sign_and_nobody_elses(self):
        auth = self.prepare_and_send()
        page = self.home(self.claire)
        self.assertIn(f'href="/my/authorizations/{auth.pk}/"', page)
        self.assertIn("Release of information to Dr. Dana Whitlock, Eastside Clinic", page)
        self.assertRegex(page, r'Forms to sign <span class="count due">1</span>')
        # A signed form is no longer waiting.
        self.signed()
        self.assertRegex(self.home(self.claire), r'Forms to sign <span class="count due">1</span>')

    def test_another_client_does_not_see_the_form(self):
        from tests.base import make_user

        dave = make_user("dave", "client")
        self.other.user = dave
        self.other.save()
        self.prepare_and_send()
        page = self.home(dave)
        self.assertNotIn("Whitlock", page)
        self.assertIn("No forms wait for your signature.", page)

    def test_home_view_event_for_those_whose_home_names_clients(self):
        self.home(self.alice)
        self.assertOneEvent("home.view", actor=self.alice)
        self.home(self.claire)
        event = self.assertOneEvent("home.view", actor=self.claire)
        self.assertEqual(event.client_id, self.rec.pk)

    def test_practice_admin_home_names_no_client_and_writes_no_event(self):
        self.write_note()
        page = self.home(self.avery)
        self.assertNotIn("Morgan", page)
        self.assertEqual(self.events("home.view"), [])

    def test_stranger_is_sent_to_sign_in(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))
