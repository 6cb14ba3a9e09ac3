"""The practice admin's home page: what waits for review, with counts and links to the
work. It shows no client record (and writes no event); other roles do not get it."""

import re
from datetime import date

from django.test import override_settings
from django.urls import reverse

from audit.models import AuditEvent
from emergency import services as emergency
from practice.roles import Role
from records import services as records
from records.models import Client
from retention import services as retention
from tests.base import make_user
from tests.records.base import RecordsTestCase

NOTE_TEXT = "Reports better sleep."


def item(response, key: str) -> str:
    """One item of the admin's list, as text with its links kept as href="..."."""
    found = re.search(rf'<li class="work-{key}">(.*?)</li>', response.content.decode(), re.S)
    assert found, f"no {key} item"
    return re.sub(r"\s+", " ", found.group(1))


@override_settings(AUDIT_FLAG_WINDOW_DAYS=36500)
class AdminHomeTest(RecordsTestCase):
    def home(self, user=None):
        self.sign_in(user or self.avery)
        return self.client.get(reverse("home"))

    def test_nothing_waiting_says_so_with_zero_counts(self):
        response = self.home()
        self.assertContains(response, "To review")
        self.assertIn(
            '<span class="count">0</span> <a href="/audit/flags/">Flags to review</a>', item(response, "flags")
        )
        self.assertIn("No flags wait for review.", item(response, "flags"))
        self.assertIn(
            '<span class="count">0</span> <a href="/audit/emergency/">Emergency accesses to review</a>',
            item(response, "emergency"),
        )
        self.assertIn('<a href="/practice/retention/">Disposal queue</a>', item(response, "disposals"))
        self.assertIn("Every active staff member has two-factor sign-in.", item(response, "two_factor"))

    def test_counts_and_links_to_the_work(self):
        # Two flags: a refused chart (bob) and an emergency access (which is also flagged).
        with self.assertRaises(records.NotFound):
            records.chart_view(actor=self.bob, record_number=self.rec.record_number)
        emergency.emergency_open(
            actor=self.bob,
            record_number=self.rec.record_number,
            reason="risk_to_client",
            justification="Client called in crisis; Alice is away today.",
        )
        # The disposal queue: one record past retention, one proposed by another admin.
        old, proposed = (
            records.client_create(
                actor=self.avery, first_name="O", last_name=n, date_of_birth=date(1950, 1, 1), counselor=self.alice
            )
            for n in ("One", "Two")
        )
        Client.objects.filter(pk__in=[old.pk, proposed.pk]).update(last_service_date=date(2001, 1, 1))
        retention.disposal_propose(actor=self.root, record_number=proposed.record_number)
        # Staff without two-factor: a new counselor who has not set it up.
        make_user("nina", Role.COUNSELOR, totp=False)
        flags = AuditEvent.objects.filter(action__startswith="emergency.").count() + 1

        response = self.home()
        self.assertIn(
            f'<span class="count count-open">{flags}</span> <a href="/audit/flags/">Flags to review</a>',
            item(response, "flags"),
        )
        self.assertIn(
            '<span class="count count-open">1</span> <a href="/audit/emergency/">Emergency accesses to review</a>',
            item(response, "emergency"),
        )
        self.assertIn("Waiting for an admin to acknowledge or escalate", item(response, "emergency"))
        disposals = item(response, "disposals")
        self.assertIn('<span class="count count-open">2</span> <a href="/practice/retention/">', disposals)
        self.assertIn("1 past retention, not yet proposed", disposals)
        self.assertIn("1 proposed by another admin, waiting for your approval", disposals)
        two_factor = item(response, "two_factor")
        self.assertIn(
            '<span class="count count-open">1</span> <a href="/staff/">Staff without two-factor</a>', two_factor
        )
        self.assertIn("Nina Test (counselor)", two_factor)

        # The admin who proposed a disposal does not approve it: for root it is not waiting.
        self.assertNotIn("waiting for your approval", item(self.home(self.root), "disposals"))

    def test_the_home_page_reads_no_client_record_and_writes_no_event(self):
        self.signed_note()
        with self.assertRaises(records.NotFound):
            records.chart_view(actor=self.bob, record_number=self.rec.record_number)
        before = AuditEvent.objects.count()
        response = self.home()
        self.assertEqual(AuditEvent.objects.count(), before)
        for text in (NOTE_TEXT, "Morgan", "Ellery", self.rec.record_number):
            self.assertNotContains(response, text)

    def test_other_roles_do_not_get_the_admin_list(self):
        self.rec.user = self.claire
        self.rec.save(update_fields=["user"])
        for user in (self.alice, self.sam, self.claire):
            with self.subTest(user=user.username):
                response = self.home(user)
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, "work-flags")
                self.assertNotContains(response, "Staff without two-factor")
