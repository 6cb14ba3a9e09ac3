"""PostgreSQL only: the lock order holds under concurrent writes and reads of one client.

The reproduction from the whole-system run: a sign and seven reads of the same client,
round after round. Before the lock order, `note_sign` locked the note and (through its
join) the client row FOR UPDATE and then waited for the audit lock, while a read held
the audit lock and its foreign-key check waited for the client row: "deadlock detected"
and 500s in a third of the rounds. Here signs, co-signs, authorization signings and
addenda run from their own processes against seven readers of the same client.
"""

from __future__ import annotations

import multiprocessing as mp
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from django.test import TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, Outcome
from audit.verify import verify_chain
from consent import services as consent_services
from consent.models import Authorization
from consent.text import render_text, text_sha256
from practice.roles import Role
from records import services
from records.models import Addendum, SessionNote
from tests.base import make_user, sign_in

pytestmark = pytest.mark.postgres_only

ROUNDS = 30
READERS = 7
BASE_URL = "http://testserver"
SECTIONS = {"subjective": "Reports better sleep.", "plan": "Continue weekly."}


def _note(author, client):
    return services.note_create(
        actor=author,
        record_number=client.record_number,
        date_of_service=date(2026, 11, 2),
        duration_minutes=50,
        service_type="individual",
        template="soap",
        sections=SECTIONS,
    )


def _authorization(alice, client):
    auth = consent_services.authorization_prepare(
        actor=alice,
        record_number=client.record_number,
        kind="general",
        recipient_name="Dr. Dana Whitlock",
        recipient_organization="Eastside Clinic",
        recipient_email="dwhitlock@example.invalid",
        recipient_address="1 Main St",
        categories=["attendance", "progress_notes"],
        information_from=date(2026, 1, 1),
        information_to=date(2026, 12, 31),
        purpose="continuity",
        purpose_detail="",
        expires_on=timezone.localdate() + timedelta(days=90),
        expiration_event="",
        representative_name="",
        representative_authority="",
    )
    consent_services.authorization_send(actor=alice, auth_id=auth.pk, request_base_url=BASE_URL)
    auth.refresh_from_db()
    return auth


def _worker(role, users, plan, barrier, results):
    """One process: sign in, then at each round wait for the others and make one request.
    Reports (round, role, url, status, the exception's text or "")."""
    from django.test import Client

    clients = {}
    for name, user in users.items():
        clients[name] = Client(raise_request_exception=False)
        sign_in(clients[name], user)
    for rnd, (who, method, url, data) in enumerate(plan):
        barrier.wait(timeout=120)
        response = clients[who].post(url, data) if method == "post" else clients[who].get(url)
        exc_info = getattr(response, "exc_info", None)
        exc_text = repr(exc_info[1]) if exc_info else ""
        results.put((rnd, role, url, response.status_code, exc_text))
    connections.close_all()


class LockOrderUnderConcurrencyTest(TransactionTestCase):
    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only: row and advisory locks")

    def test_signs_cosigns_authorizations_and_addenda_against_seven_readers_never_deadlock(self):
        avery = make_user("avery", Role.PRACTICE_ADMIN)
        alice = make_user("alice", Role.COUNSELOR)
        sam = make_user("sam", Role.SUPERVISOR)
        pat = make_user("pat", Role.COUNSELOR)
        claire = make_user("claire", Role.CLIENT)
        services.set_supervision(actor=avery, counselor=pat, supervisor=sam, pre_licensed=True)
        rec = services.client_create(
            actor=avery, first_name="Morgan", last_name="Ellery", date_of_birth=date(1990, 4, 2), counselor=alice
        )
        services.assign(actor=avery, client=rec, counselor=pat, kind="co_therapist")
        rec.user, rec.email = claire, "claire@example.invalid"
        rec.save()

        drafts = [_note(alice, rec) for _ in range(ROUNDS)]
        others = []
        for i in range(ROUNDS):
            if i % 3 == 0:
                note = _note(pat, rec)
                services.note_sign(actor=pat, note_id=note.pk)
                others.append(("sam", "post", reverse("note_cosign", args=[note.pk]), {}))
            elif i % 3 == 1:
                auth = _authorization(alice, rec)
                data = {
                    "typed_name": "Morgan Ellery",
                    "agree": "on",
                    "text_sha256": text_sha256(render_text(auth)),
                    "signature_image": "",
                    "confirmed": "1",  # the confirmation page's second POST
                }
                others.append(("claire", "post", reverse("portal_authorization", args=[auth.pk]), data))
            else:
                note = _note(alice, rec)
                services.note_sign(actor=alice, note_id=note.pk)
                others.append(("alice", "post", reverse("addendum_create", args=[note.pk]), {"text": f"Addendum {i}"}))
        read_note = _note(alice, rec)
        services.note_sign(actor=alice, note_id=read_note.pk)
        reads = [reverse("chart", args=[rec.record_number]), reverse("note_detail", args=[read_note.pk])]
        before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()

        plans = [
            (
                "signer",
                {"alice": alice},
                [("alice", "post", reverse("note_sign", args=[n.pk]), {"version": "1"}) for n in drafts],
            ),
            ("writer", {"sam": sam, "claire": claire, "alice": alice}, others),
        ]
        for r in range(READERS):
            plans.append(
                ("reader", {"alice": alice}, [("alice", "get", reads[(r + i) % 2], None) for i in range(ROUNDS)])
            )

        connections.close_all()
        ctx = mp.get_context("fork")
        barrier = ctx.Barrier(len(plans))
        results = ctx.Queue()
        procs = [ctx.Process(target=_worker, args=(role, users, plan, barrier, results)) for role, users, plan in plans]
        for p in procs:
            p.start()
        rows = [results.get(timeout=600) for _ in range(len(plans) * ROUNDS)]
        for p in procs:
            p.join(timeout=60)
            self.assertEqual(p.exitcode, 0)

        errors = [r for r in rows if r[3] >= 500]
        deadlocks = [r for r in rows if "deadlock" in r[4].lower()]
        print(
            f"\nlock order: {len(rows)} requests in {ROUNDS} rounds, {len(errors)} 5xx, {len(deadlocks)} deadlocks",
            flush=True,
        )
        self.assertEqual(deadlocks, [])
        self.assertEqual(errors, [])
        self.assertEqual({r[3] for r in rows if r[1] == "reader"}, {200})
        self.assertEqual({r[3] for r in rows if r[1] != "reader"}, {302})  # each write redirects on success
        # Every write took effect, once, with its event.
        self.assertEqual(SessionNote.objects.filter(pk__in=[n.pk for n in drafts], status="signed").count(), ROUNDS)
        self.assertEqual(SessionNote.objects.filter(cosigned_by=sam).count(), 10)
        self.assertEqual(Authorization.objects.filter(status="signed").count(), 10)
        self.assertEqual(Addendum.objects.count(), 10)
        new = AuditEvent.objects.filter(seq__gt=before, outcome=Outcome.ALLOWED)
        self.assertEqual(new.filter(action="note.sign").count(), ROUNDS)
        self.assertEqual(new.filter(action="note.cosign").count(), 10)
        self.assertEqual(new.filter(action="authorization.sign").count(), 10)
        self.assertEqual(new.filter(action="addendum.create").count(), 10)
        self.assertEqual(new.filter(action__in=["chart.view", "note.view"], actor=alice).count(), READERS * ROUNDS)
        verdict = verify_chain()
        self.assertTrue(verdict.ok, str(verdict))
