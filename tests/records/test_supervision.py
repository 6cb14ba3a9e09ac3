"""Supervision in the product: practice admins set a counselor's supervisor and
pre-licensed status on the staff pages; a supervisor co-signs a pre-licensed
counselor's note or returns it for revision with a comment; the author answers with a
signed addendum; no uncosigned note of a pre-licensed author goes into a package."""

from django.db import connection
from django.urls import reverse

from audit.models import Outcome
from practice.models import User
from practice.roles import Role
from records import selectors, services
from records.models import Addendum, NoteReturn
from tests.base import make_user
from tests.records.base import RecordsTestCase


class StaffSupervisionPageTest(RecordsTestCase):
    def url(self, user=None):
        return reverse("staff_supervision", args=[(user or self.bob).pk])

    def test_a_practice_admin_sets_supervisor_and_pre_licensed_status(self):
        self.sign_in(self.avery)
        page = self.client.get(self.url())
        self.assertContains(page, "Supervision: Bob Test")
        self.assertContains(page, f'<option value="{self.sam.pk}">Sam Test</option>', html=True)
        response = self.client.post(self.url(), {"supervisor": self.sam.pk, "pre_licensed": "on"})
        self.assertRedirects(response, reverse("staff_list"))
        self.bob.refresh_from_db()
        self.assertEqual((self.bob.supervisor, self.bob.is_pre_licensed), (self.sam, True))
        event = self.assertOneEvent(
            "supervision.set", actor=self.avery, outcome=Outcome.ALLOWED, object_id=str(self.bob.pk)
        )
        self.assertEqual(event.reason, f"supervisor=None->{self.sam.pk} pre_licensed=False->True")
        # The supervisor reads the supervisee's clients from now on, and not before.
        self.sign_in(self.sam)
        self.assertEqual(self.client.get(reverse("chart", args=[self.other.record_number])).status_code, 200)

    def test_the_staff_list_shows_supervision_and_links_to_it(self):
        services.set_supervision(actor=self.avery, counselor=self.bob, supervisor=self.sam, pre_licensed=True)
        self.sign_in(self.avery)
        page = self.client.get(reverse("staff_list"))
        self.assertContains(page, "pre-licensed")
        self.assertContains(page, "Supervisor: Sam Test")
        self.assertContains(page, f'href="{self.url()}"')
        self.assertNotContains(page, f'href="{self.url(self.sam)}"')  # supervisors have none

    def test_removing_the_supervisor_ends_their_access(self):
        services.set_supervision(actor=self.avery, counselor=self.bob, supervisor=self.sam, pre_licensed=False)
        self.sign_in(self.avery)
        self.client.post(self.url(), {"supervisor": ""})
        self.bob.refresh_from_db()
        self.assertIsNone(self.bob.supervisor)
        self.sign_in(self.sam)
        self.assertEqual(self.client.get(reverse("chart", args=[self.other.record_number])).status_code, 404)

    def test_pre_licensed_without_a_supervisor_is_a_form_error(self):
        self.sign_in(self.avery)
        response = self.client.post(self.url(), {"supervisor": "", "pre_licensed": "on"})
        self.assertContains(response, "needs a supervisor to co-sign", status_code=400)
        self.bob.refresh_from_db()
        self.assertFalse(self.bob.is_pre_licensed)
        self.assertEqual(self.events("supervision.set", object_id=str(self.bob.pk)), [])

    def test_who_may_not_set_supervision(self):
        for user in (self.alice, self.sam, self.claire):
            self.sign_in(user)
            self.assertEqual(self.client.get(self.url()).status_code, 403, user)
            response = self.client.post(self.url(), {"supervisor": self.sam.pk, "pre_licensed": "on"})
            self.assertEqual(response.status_code, 403, user)
        self.bob.refresh_from_db()
        self.assertEqual((self.bob.supervisor, self.bob.is_pre_licensed), (None, False))
        self.assertEqual(len(self.events("supervision.set", outcome=Outcome.DENIED)), 6)

    def test_only_counselors_have_a_supervision_page(self):
        self.sign_in(self.avery)
        for other in (self.sam, self.avery, self.claire):
            self.assertEqual(self.client.get(self.url(other)).status_code, 404, other)

    def test_bad_input_is_refused_without_a_500(self):
        self.sign_in(self.avery)
        for value in ("abc", "\x00", "9" * 30, str(self.bob.pk), str(self.alice.pk), "-1"):
            response = self.client.post(self.url(), {"supervisor": value, "pre_licensed": "on"})
            self.assertEqual(response.status_code, 400, value)
            self.assertContains(response, 'class="field-error"', status_code=400)
        self.bob.refresh_from_db()
        self.assertIsNone(self.bob.supervisor)


class SetSupervisionServiceTest(RecordsTestCase):
    def test_the_service_refuses_what_the_rules_do_not_allow_and_records_it(self):
        inactive = make_user("ines", Role.SUPERVISOR)
        User.objects.filter(pk=inactive.pk).update(is_active=False)
        inactive.refresh_from_db()
        refused = [
            (self.bob, self.alice, False),  # a counselor is no supervisor
            (self.bob, inactive, False),  # nor an inactive account
            (self.bob, None, True),  # pre-licensed needs someone to co-sign
            (self.sam, self.sam, False),  # supervisors are not supervised here
            (self.avery, self.sam, False),
        ]
        for counselor, supervisor, pre_licensed in refused:
            with self.assertRaises(services.SupervisionRefused):
                services.set_supervision(
                    actor=self.avery, counselor=counselor, supervisor=supervisor, pre_licensed=pre_licensed
                )
        self.assertEqual(len(self.events("supervision.set", outcome=Outcome.DENIED)), len(refused))
        self.bob.refresh_from_db()
        self.assertEqual((self.bob.supervisor, self.bob.is_pre_licensed), (None, False))

    def test_only_a_practice_admin(self):
        for actor in (self.alice, self.sam):
            with self.assertRaises(services.PermissionDenied):
                services.set_supervision(actor=actor, counselor=self.bob, supervisor=self.sam, pre_licensed=True)
        self.assertEqual(len(self.events("supervision.set", outcome=Outcome.DENIED)), 2)


class ReturnForRevisionTest(RecordsTestCase):
    """alice is pre-licensed here; sam supervises her; bob is a co-therapist on rec."""

    COMMENT = "Add the client's own words about the panic episode, and the safety plan."
    SHOWN = "Add the client&#x27;s own words about the panic episode, and the safety plan."

    def setUp(self):
        services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=True)
        self.alice.refresh_from_db()
        self.note = self.signed_note()

    def return_it(self, actor=None):
        return services.note_return(actor=actor or self.sam, note_id=self.note.pk, comment=self.COMMENT)

    def test_the_supervisor_returns_a_note_with_a_comment_and_the_note_stays_as_signed(self):
        signed = (self.note.content, self.note.content_sha256, self.note.signed_at)
        self.sign_in(self.sam)
        page = self.client.get(reverse("note_detail", args=[self.note.pk]))
        self.assertContains(page, "Return for revision")
        response = self.client.post(reverse("note_return", args=[self.note.pk]), {"comment": self.COMMENT})
        self.assertRedirects(response, reverse("note_detail", args=[self.note.pk]))
        returned = NoteReturn.objects.get(note=self.note)
        self.assertEqual((returned.returned_by, returned.comment, returned.answer), (self.sam, self.COMMENT, None))
        self.note.refresh_from_db()
        self.assertEqual((self.note.content, self.note.content_sha256, self.note.signed_at), signed)
        self.assertEqual(self.note.content_sha256, self.note.compute_sha256())
        self.assertIsNone(self.note.cosigned_at)
        event = self.assertOneEvent("note.return", actor=self.sam, client=self.rec)
        self.assertEqual(event.reason, f"return #{returned.pk}")
        self.assertNotIn("safety plan", event.reason)
        with connection.cursor() as cursor:
            cursor.execute("SELECT comment FROM records_notereturn WHERE id = %s", [returned.pk])
            stored = cursor.fetchone()[0]
        self.assertNotIn("safety plan", stored)  # encrypted at rest

    def test_the_author_sees_it_on_the_note_in_their_list_and_on_the_caseload(self):
        self.return_it()
        self.assertEqual(list(selectors.returned_to_me(self.alice)), [self.note])
        self.assertEqual(list(selectors.awaiting_my_cosignature(self.sam)), [])
        self.sign_in(self.alice)
        page = self.client.get(reverse("note_detail", args=[self.note.pk]))
        self.assertContains(page, "Returned for revision")
        self.assertContains(page, self.SHOWN)
        self.assertContains(page, "Sign revision and send back")
        caseload = self.client.get(reverse("caseload"))
        self.assertContains(caseload, "Returned to you for revision")
        self.assertNotContains(caseload, "Awaiting co-signature by your supervisor")
        self.sign_in(self.sam)
        self.assertNotContains(self.client.get(reverse("caseload")), "Awaiting your co-signature")

    def test_a_returned_note_is_not_co_signed_until_answered(self):
        self.return_it()
        self.sign_in(self.sam)
        page = self.client.get(reverse("note_detail", args=[self.note.pk]))
        self.assertNotContains(page, ">Co-sign</button>")
        self.assertContains(page, "Waiting for the author's revision")
        response = self.client.post(reverse("note_cosign", args=[self.note.pk]))
        self.assertRedirects(response, reverse("note_detail", args=[self.note.pk]), fetch_redirect_response=False)
        self.note.refresh_from_db()
        self.assertIsNone(self.note.cosigned_at)
        event = self.assertOneEvent("note.cosign", outcome=Outcome.DENIED)
        self.assertEqual(event.reason, "returned for revision, not answered")

    def test_the_authors_signed_addendum_answers_and_the_supervisor_then_co_signs(self):
        returned = self.return_it()
        self.sign_in(self.alice)
        response = self.client.post(
            reverse("addendum_create", args=[self.note.pk]), {"text": "Client: 'my heart raced'. Safety plan made."}
        )
        self.assertRedirects(response, reverse("note_detail", args=[self.note.pk]))
        returned.refresh_from_db()
        addendum = Addendum.objects.get(note=self.note)
        self.assertEqual((returned.answer, returned.is_open), (addendum, False))
        event = self.assertOneEvent("addendum.create", actor=self.alice)
        self.assertEqual(event.reason, f"answers return #{returned.pk}")
        self.assertEqual(list(selectors.returned_to_me(self.alice)), [])
        self.assertEqual(list(selectors.awaiting_my_cosignature(self.sam)), [self.note])
        self.sign_in(self.sam)
        self.client.post(reverse("note_cosign", args=[self.note.pk]))
        self.note.refresh_from_db()
        self.assertEqual(self.note.cosigned_by, self.sam)
        self.assertEqual(self.assertOneEvent("note.cosign", outcome=Outcome.ALLOWED).reason, "with addenda=1")
        page = self.client.get(reverse("note_detail", args=[self.note.pk]))
        self.assertContains(page, "Answered by the author's addendum")

    def test_a_co_therapists_addendum_does_not_answer(self):
        carol = make_user("carol", Role.COUNSELOR)
        services.assign(actor=self.avery, client=self.rec, counselor=carol, kind="co_therapist")
        returned = self.return_it()
        services.addendum_create(actor=carol, note_id=self.note.pk, text="A note from the co-therapist.")
        returned.refresh_from_db()
        self.assertTrue(returned.is_open)

    def test_who_may_not_return_a_note(self):
        other_supervisor = make_user("sue", Role.SUPERVISOR)
        services.assign(actor=self.avery, client=self.rec, counselor=self.bob, kind="co_therapist")
        for user, status in (
            (self.alice, 403),  # the author
            (self.bob, 403),  # a co-therapist
            (other_supervisor, 404),
            (self.avery, 404),
            (self.root, 404),
            (self.claire, 404),
        ):
            self.sign_in(user)
            response = self.client.post(reverse("note_return", args=[self.note.pk]), {"comment": "x"})
            self.assertEqual(response.status_code, status, user)
        self.assertFalse(NoteReturn.objects.exists())
        self.assertEqual(len(self.events("note.return", outcome=Outcome.DENIED)), 6)

    def test_nothing_to_return_once_co_signed_or_when_not_pre_licensed(self):
        services.note_cosign(actor=self.sam, note_id=self.note.pk)
        with self.assertRaises(services.PermissionDenied):
            self.return_it()
        services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=False)
        self.alice.refresh_from_db()
        licensed_note = self.signed_note()
        self.assertFalse(licensed_note.needs_cosign)
        with self.assertRaises(services.PermissionDenied):
            services.note_return(actor=self.sam, note_id=licensed_note.pk, comment="x")
        self.assertFalse(NoteReturn.objects.exists())

    def test_one_open_return_at_a_time(self):
        self.return_it()
        self.sign_in(self.sam)
        response = self.client.post(reverse("note_return", args=[self.note.pk]), {"comment": "And another thing."})
        self.assertRedirects(response, reverse("note_detail", args=[self.note.pk]), fetch_redirect_response=False)
        self.assertEqual(NoteReturn.objects.count(), 1)
        self.assertEqual(self.events("note.return", outcome=Outcome.DENIED)[-1].reason, "already returned")

    def test_an_empty_or_oversize_comment_is_refused_with_the_text_back(self):
        self.sign_in(self.sam)
        response = self.client.post(reverse("note_return", args=[self.note.pk]), {"comment": "  "})
        self.assertContains(response, "This field is required", status_code=400)
        long = "y" * 5001
        response = self.client.post(reverse("note_return", args=[self.note.pk]), {"comment": long})
        self.assertContains(response, "at most 5000 characters", status_code=400)
        self.assertContains(response, long, status_code=400)
        self.assertFalse(NoteReturn.objects.exists())
        self.assertEqual(self.events("note.return"), [])

    def test_returned_again_after_an_answer(self):
        self.return_it()
        services.addendum_create(actor=self.alice, note_id=self.note.pk, text="First revision.")
        self.return_it()
        self.assertEqual(NoteReturn.objects.filter(note=self.note).count(), 2)
        self.assertEqual(list(selectors.returned_to_me(self.alice)), [self.note])


class HomeBlocksTest(RecordsTestCase):
    def test_home_lists_notes_returned_to_the_author_and_those_awaiting_the_supervisor(self):
        services.set_supervision(actor=self.avery, counselor=self.alice, supervisor=self.sam, pre_licensed=True)
        self.alice.refresh_from_db()
        returned = self.signed_note()
        waiting = self.signed_note()
        services.note_return(actor=self.sam, note_id=returned.pk, comment="Please add the plan.")
        note_url = lambda note: reverse("note_detail", args=[note.pk])  # noqa: E731
        self.sign_in(self.alice)
        home = self.client.get(reverse("home")).content.decode()
        block = home[home.index('id="block-returned"') : home.index('id="block-awaiting_cosign"')]
        self.assertIn("Returned to you for revision", block)
        self.assertIn(f'href="{note_url(returned)}"', block)
        self.assertNotIn(f'href="{note_url(waiting)}"', block)
        self.assertIn(f'href="{note_url(waiting)}"', home[home.index('id="block-awaiting_cosign"') :])
        self.sign_in(self.sam)
        home = self.client.get(reverse("home")).content.decode()
        self.assertIn("No notes are returned to you.", home)
        self.assertIn(f'href="{note_url(waiting)}"', home)
        self.assertNotIn(f'href="{note_url(returned)}"', home)  # back with its author
        self.assertIn("yours to co-sign", home)
