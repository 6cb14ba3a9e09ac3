"""Opening a form is logged under the form's own name: the share and authorization
forms are not a note being composed."""

from django.urls import reverse

from audit.models import AuditEvent, Outcome
from tests.records.base import RecordsTestCase

# (url name, the one event opening it writes): written out here, not read from the code.
FORMS = (
    ("note_create", "note.compose"),
    ("psychotherapy_note_create", "pnote.compose"),
    ("authorization_new", "authorization.compose"),
    ("share", "disclosure.compose"),
    ("disclose_legal", "disclosure.compose"),
)


class FormEventNamesTest(RecordsTestCase):
    def opened(self, user, name):
        self.sign_in(user)
        start = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        response = self.client.get(reverse(name, args=[self.rec.record_number]))
        events = AuditEvent.objects.filter(seq__gt=start, client=self.rec).values_list("action", "outcome")
        return response, list(events)

    def test_each_form_is_logged_under_its_own_name(self):
        for name, action in FORMS:
            with self.subTest(name):
                response, events = self.opened(self.alice, name)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(events, [(action, Outcome.ALLOWED)])

    def test_opening_the_share_or_authorization_forms_writes_no_note_compose(self):
        for name in ("share", "authorization_new", "disclose_legal"):
            self.opened(self.alice, name)
        self.assertFalse(AuditEvent.objects.filter(action="note.compose").exists())

    def test_a_refused_form_is_denied_under_the_same_name(self):
        # bob is not assigned to rec; sam supervises but does not write.
        for user in (self.bob, self.sam):
            for name, action in FORMS:
                with self.subTest(user=user.username, form=name):
                    self.sign_in(user)
                    before = AuditEvent.objects.count()
                    response = self.client.get(reverse(name, args=[self.rec.record_number]))
                    self.assertEqual(response.status_code, 404)
                    new = list(AuditEvent.objects.order_by("seq")[before:].values_list("action", "outcome"))
                    self.assertEqual(new, [(action, Outcome.DENIED)])

    def test_authorization_from_a_refused_request_opens_as_an_authorization(self):
        self.sign_in(self.alice)
        self.client.post(reverse("authorization_from_request", args=[self.rec.record_number]), {})
        self.assertEqual(
            list(AuditEvent.objects.filter(client=self.rec, actor=self.alice).values_list("action", flat=True)),
            ["authorization.compose"],
        )
