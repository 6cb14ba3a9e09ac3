"""Client search (records.search, the blind index): who finds whom, what the audit event
keeps, what the index stores, and bad input."""

from datetime import date

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from records import search, services
from records.models import ClientSearchToken
from tests.records.base import RecordsTestCase

CASELOAD = reverse("caseload")
ADMIN_LIST = reverse("admin_clients")


class SearchTestCase(RecordsTestCase):
    """rec: Morgan Ellery (alice's, supervised by sam), born 1990-04-02.
    other: Jamie Stone (bob's). accented: José-María Núñez, preferred 'Pepe' (alice's)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.accented = services.client_create(
            actor=cls.avery,
            first_name="José-María",
            last_name="Núñez",
            preferred_name="Pepe",
            date_of_birth=date(2001, 12, 31),
            counselor=cls.alice,
        )

    def found(self, url, q, user):
        self.sign_in(user)
        response = self.client.post(url, {"q": q})
        self.assertEqual(response.status_code, 200)
        return {c.record_number for c in response.context["results"]}

    def search_events(self, actor):
        return list(AuditEvent.objects.filter(action="client.search", actor=actor).order_by("seq"))


class CounselorSearchTest(SearchTestCase):
    def test_finds_own_client_by_last_name_prefix_any_case(self):
        self.assertEqual(self.found(CASELOAD, "ell", self.alice), {self.rec.record_number})
        self.assertEqual(self.found(CASELOAD, "ELLERY", self.alice), {self.rec.record_number})

    def test_finds_by_first_and_last_name_together(self):
        self.assertEqual(self.found(CASELOAD, "morgan ellery", self.alice), {self.rec.record_number})
        self.assertEqual(self.found(CASELOAD, "morgan stone", self.alice), set())

    def test_finds_by_preferred_name_and_without_accents(self):
        self.assertEqual(self.found(CASELOAD, "pepe", self.alice), {self.accented.record_number})
        self.assertEqual(self.found(CASELOAD, "nunez", self.alice), {self.accented.record_number})
        self.assertEqual(self.found(CASELOAD, "Núñ", self.alice), {self.accented.record_number})
        self.assertEqual(self.found(CASELOAD, "maria", self.alice), {self.accented.record_number})

    def test_finds_by_record_number_in_several_spellings(self):
        number = self.rec.record_number  # C-00000N
        digits = str(int(number[2:]))
        for q in (number, number.lower(), digits, f"C{digits}"):
            self.assertEqual(self.found(CASELOAD, q, self.alice), {number}, q)

    def test_finds_by_date_of_birth(self):
        self.assertEqual(self.found(CASELOAD, "1990-04-02", self.alice), {self.rec.record_number})
        self.assertEqual(self.found(CASELOAD, "04/02/1990", self.alice), {self.rec.record_number})
        self.assertEqual(self.found(CASELOAD, "1990-04-03", self.alice), set())

    def test_a_middle_of_word_does_not_match(self):
        self.assertEqual(self.found(CASELOAD, "llery", self.alice), set())

    def test_unassigned_counselor_finds_no_one_else(self):
        # bob's only client is Jamie Stone: Morgan Ellery is not found by any of its keys.
        for q in ("ellery", "morgan", self.rec.record_number, "1990-04-02", "pepe"):
            self.assertEqual(self.found(CASELOAD, q, self.bob), set(), q)
        self.assertEqual(self.found(CASELOAD, "stone", self.bob), {self.other.record_number})

    def test_supervisor_finds_supervisees_clients_only(self):
        self.assertEqual(self.found(CASELOAD, "ellery", self.sam), {self.rec.record_number})
        self.assertEqual(self.found(CASELOAD, "stone", self.sam), set())

    def test_ended_assignment_ends_finding(self):
        services.unassign(actor=self.avery, client=self.rec, counselor=self.alice)
        self.assertEqual(self.found(CASELOAD, "ellery", self.alice), set())

    def test_search_is_audited_with_a_digest_never_the_words(self):
        self.found(CASELOAD, "Ellery", self.alice)
        (event,) = self.search_events(self.alice)
        self.assertEqual(event.outcome, "allowed")
        self.assertIsNone(event.client_id)
        self.assertNotIn("ellery", event.reason.lower())
        self.assertIn("results=1", event.reason)
        self.assertIn("scope=caseload", event.reason)
        # The same words give the same digest (a reviewer with the key can check a
        # given search), other words another one.
        self.found(CASELOAD, "ellery", self.alice)
        self.found(CASELOAD, "stone", self.alice)
        first, again, other = (e.reason.split("query_digest=")[1].split()[0] for e in self.search_events(self.alice))
        self.assertEqual(first, again)
        self.assertNotEqual(first, other)
        self.assertRegex(first, r"^[0-9a-f]{16}$")
        # A search page is that one event: no caseload.view beside it.
        self.assertFalse(AuditEvent.objects.filter(action="caseload.view", actor=self.alice).exists())

    def test_no_search_text_anywhere_in_the_audit_log(self):
        self.found(CASELOAD, "Zebulon Quixote", self.alice)
        for event in AuditEvent.objects.all():
            self.assertNotIn("zebulon", str(vars(event)).lower())

    def test_result_shows_names_and_links_to_chart(self):
        self.sign_in(self.alice)
        response = self.client.post(CASELOAD, {"q": "ellery"})
        self.assertContains(response, "Morgan Ellery")
        self.assertContains(response, reverse("chart", args=[self.rec.record_number]))
        self.assertNotContains(response, "Jamie")

    def test_client_cannot_search_the_caseload(self):
        self.sign_in(self.claire)
        response = self.client.post(CASELOAD, {"q": "ellery"})
        self.assertEqual(response.status_code, 403)
        (event,) = AuditEvent.objects.filter(actor=self.claire, outcome="denied")
        self.assertEqual(event.action, "client.search")

    def test_practice_admin_cannot_search_through_the_caseload(self):
        self.sign_in(self.avery)
        response = self.client.post(CASELOAD, {"q": "ellery"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(AuditEvent.objects.filter(actor=self.avery, outcome="denied").count(), 1)
        self.assertNotContains(response, "Ellery", status_code=403)

    def test_unverified_counselor_is_sent_to_two_factor(self):
        self.sign_in(self.alice, verified=False)
        response = self.client.post(CASELOAD, {"q": "ellery"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.search_events(self.alice), [])

    def test_query_count_does_not_grow_with_matches(self):
        self.sign_in(self.alice)
        for i in range(3):
            services.client_create(
                actor=self.avery,
                first_name=f"Ellen{i}",
                last_name="Ellery",
                date_of_birth=date(1990, 1, 1),
                counselor=self.alice,
            )
        self.client.post(CASELOAD, {"q": "ell"})
        with CaptureQueriesContext(connection) as one:
            self.client.post(CASELOAD, {"q": "morgan"})
        with CaptureQueriesContext(connection) as four:
            response = self.client.post(CASELOAD, {"q": "ellery"})
        self.assertEqual(len(response.context["results"]), 4)
        self.assertEqual(len(one), len(four))


class AdminSearchTest(SearchTestCase):
    def test_admin_finds_any_client_by_name_or_record_number(self):
        self.assertEqual(self.found(ADMIN_LIST, "stone", self.avery), {self.other.record_number})
        self.assertEqual(self.found(ADMIN_LIST, "ellery", self.avery), {self.rec.record_number})
        self.assertEqual(self.found(ADMIN_LIST, self.other.record_number, self.avery), {self.other.record_number})

    def test_admin_does_not_search_by_date_of_birth(self):
        self.assertEqual(self.found(ADMIN_LIST, "1990-04-02", self.avery), set())

    def test_admin_results_show_no_clinical_content_or_birth_date(self):
        note = self.signed_note()
        self.sign_in(self.avery)
        response = self.client.post(ADMIN_LIST, {"q": "ellery"})
        self.assertContains(response, "Morgan Ellery")
        self.assertNotContains(response, "Reports better sleep")
        self.assertNotContains(response, reverse("note_detail", args=[note.pk]))
        self.assertNotContains(response, "1990")

    def test_admin_search_is_audited(self):
        self.found(ADMIN_LIST, "stone", self.avery)
        (event,) = self.search_events(self.avery)
        self.assertIn("scope=admin", event.reason)
        self.assertNotIn("stone", event.reason.lower())
        self.assertFalse(AuditEvent.objects.filter(action="client.list", actor=self.avery).exists())

    def test_counselor_and_client_cannot_use_the_admin_search(self):
        for user in (self.alice, self.claire):
            self.sign_in(user)
            response = self.client.post(ADMIN_LIST, {"q": "stone"})
            self.assertEqual(response.status_code, 403)
            self.assertNotContains(response, "Jamie", status_code=403)
            (event,) = AuditEvent.objects.filter(actor=user, outcome="denied")
            self.assertEqual(event.action, "client.search")

    def test_disposed_client_has_no_index_rows(self):
        from retention.services import _carry_out

        self.assertTrue(ClientSearchToken.objects.filter(client=self.other).exists())
        _carry_out(self.other)
        self.assertFalse(ClientSearchToken.objects.filter(client=self.other).exists())


class BadInputTest(SearchTestCase):
    def test_nul_oversize_and_odd_unicode_are_answered_without_error(self):
        cases = ("a\x00b", "x" * 5000, "١٢٣", "²", "🙂🙂", "'; DROP TABLE x; --", "%", "\u202e", "   ", "a")
        for user, url in ((self.alice, CASELOAD), (self.avery, ADMIN_LIST)):
            self.sign_in(user)
            for q in cases:
                response = self.client.post(url, {"q": q})
                self.assertEqual(response.status_code, 200, (url, q))
                if user == self.alice:
                    self.assertNotContains(response, "Jamie Stone")

    def test_a_refused_query_gives_the_text_back_with_the_limit(self):
        self.sign_in(self.alice)
        response = self.client.post(CASELOAD, {"q": "y" * 150})
        self.assertContains(response, "y" * 150)
        self.assertContains(response, "at most 100 characters")
        # No search was made; the page is the plain caseload.
        self.assertEqual(self.search_events(self.alice), [])

    def test_nul_is_refused_as_a_form_error(self):
        self.sign_in(self.alice)
        response = self.client.post(CASELOAD, {"q": "ell\x00"})
        self.assertContains(response, "Null characters are not allowed")
        self.assertEqual(self.search_events(self.alice), [])

    def test_single_letters_and_punctuation_find_nothing(self):
        self.assertEqual(self.found(CASELOAD, "e", self.alice), set())
        self.assertEqual(self.found(CASELOAD, "--", self.alice), set())


class IndexTest(SearchTestCase):
    def test_index_holds_no_readable_name_and_is_padded(self):
        rows = list(ClientSearchToken.objects.filter(client=self.rec).values_list("digest", flat=True))
        self.assertEqual(len(rows), search.PAD_TO)
        self.assertEqual(len(set(rows)), len(rows))
        for digest in rows:
            self.assertRegex(digest, r"^[0-9a-f]{32}$")
        joined = " ".join(rows).lower()
        # Four random hex digits can spell a year ("1990") by chance: look for the whole
        # date as written, which a hex digest cannot contain.
        for value in ("morgan", "ellery", self.rec.date_of_birth.isoformat()):
            self.assertNotIn(value, joined)

    def test_digest_depends_on_the_key(self):
        with override_settings(IDENTITY_INDEX_KEY="another-key-for-this-test-only-0123456789"):
            other = search.digest("name", "ellery")
            self.assertEqual(self.found(CASELOAD, "ellery", self.alice), set())
        self.assertNotEqual(search.digest("name", "ellery"), other)
        self.assertNotIn(other, set(ClientSearchToken.objects.values_list("digest", flat=True)))

    def test_tokens_are_word_prefixes(self):
        tokens = search.client_tokens(
            first_name="Ann-Marie", last_name="O'Neil", preferred_name="", date_of_birth=date(2000, 1, 2)
        )
        names = {t for kind, t in tokens if kind == "name"}
        self.assertEqual(names, {"an", "ann", "ma", "mar", "mari", "marie", "o", "ne", "nei", "neil"})
        self.assertIn(("dob", "2000-01-02"), tokens)
