"""PostgreSQL only: load and faults under gunicorn, as production runs.

gunicorn with three workers on loopback, connected as the application's restricted
database role; a bounded load generator (threads that stop by themselves) of counselors
reading charts and notes of clients whose notes others are writing, counselors writing
and signing notes, and one sharing records; meanwhile one worker is killed with SIGKILL
and every database connection of the application is dropped (pg_terminate_backend).

Afterwards: every 2xx that returned client data has its allowed event (matched by
request id), no write is partial (each note, signature and disclosure has its event and
its event its row; signed hashes match), no acknowledged save is lost, no deadlock was
logged, no 500 outside the moments of the faults, and the chain verifies. The figures
are printed.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone

from audit.models import AuditEvent, Outcome
from audit.verify import check_anchor, verify_chain
from consent import services as consent_services
from consent.models import Disclosure
from consent.text import render_text, text_sha256
from practice import db_roles
from practice.roles import Role
from records import services
from records.models import SessionNote
from tests.base import make_user

pytestmark = pytest.mark.postgres_only

ROOT = Path(__file__).resolve().parent.parent
LOAD_SECONDS = 16
KILL_AT, DROP_AT = 5.0, 10.0
WORKERS = 3
CSRF = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret


@dataclass
class Result:
    method: str
    path: str
    status: int  # 0: the connection failed (a killed worker)
    started: float
    ended: float
    request_id: str = ""
    client_data: bool = False


@dataclass
class Tally:
    results: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: dict = field(default_factory=dict)  # note id -> text of the last acknowledged save
    attempted: dict = field(default_factory=dict)  # note id -> texts of every save tried
    shares: int = 0

    def add(self, result: Result) -> None:
        with self.lock:
            self.results.append(result)


class Browser:
    """One signed-in person: a session cookie and the CSRF cookie, over keep-alive."""

    def __init__(self, port: int, session_key: str, tally: Tally, record_number: str = ""):
        self.port, self.tally, self.record_number = port, tally, record_number
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}; {settings.CSRF_COOKIE_NAME}={CSRF}"
        self.conn = None

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[Result, str, str]:
        headers = {"Cookie": self.cookie, "Host": "127.0.0.1"}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": CSRF}
        started = time.monotonic()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            result = Result(method, path, response.status, started, time.monotonic())
            result.request_id = response.getheader("X-Request-ID", "")
            location = response.getheader("Location", "")
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
        except (OSError, http.client.HTTPException):
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            result, text, location = Result(method, path, 0, started, time.monotonic()), "", ""
        result.client_data = result.status == 200 and bool(self.record_number) and self.record_number in text
        self.tally.add(result)
        return result, text, location


def _reader(browser: Browser, paths: list[str], stop: threading.Event) -> None:
    i = 0
    while not stop.is_set():
        browser.request("GET", paths[i % len(paths)])
        i += 1


def _writer(browser: Browser, record_number: str, stop: threading.Event, tally: Tally) -> None:
    i = 0
    while not stop.is_set():
        i += 1
        form = {
            "date_of_service": "2026-11-02",
            "duration_minutes": "50",
            "service_type": "individual",
            "template": "soap",
            "section_subjective": f"Load note {i} by {browser.record_number}.",
        }
        result, _, location = browser.request("POST", f"/clients/{record_number}/notes/new/?template=soap", form)
        match = re.search(r"/notes/(\d+)/edit/", location)
        if result.status != 302 or not match:
            continue
        note_id = int(match.group(1))
        text = f"Edited {i} {secrets.token_hex(4)}"
        with tally.lock:
            tally.attempted.setdefault(note_id, []).append(text)
        result, _, _ = browser.request(
            "POST", f"/notes/{note_id}/edit/", {**form, "version": "1", "section_plan": text}
        )
        if result.status == 302:
            with tally.lock:
                tally.acknowledged[note_id] = text
            if i % 2 == 0:
                browser.request("POST", f"/notes/{note_id}/sign/", {"version": "2"})


def _sharer(browser: Browser, record_number: str, stop: threading.Event, tally: Tally) -> None:
    form = {
        "recipient_name": "Dr. Dana Whitlock",
        "recipient_organization": "Eastside Clinic",
        "recipient_email": "dwhitlock@example.invalid",
        "categories": ["progress_notes"],
        "information_from": "2026-03-01",
        "information_to": "2026-11-30",
        "purpose": "continuity",
    }
    while not stop.is_set():
        result, _, _ = browser.request("POST", f"/clients/{record_number}/share/", form)
        if result.status == 302:
            with tally.lock:
                tally.shares += 1
        time.sleep(0.3)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class LoadAndFaultsTest(TransactionTestCase):
    def setUp(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only: gunicorn against the application's database role")
        self.role = f"load_{connection.settings_dict['NAME']}"[:63]
        self._drop_role()

    def tearDown(self):
        if connection.vendor == "postgresql":
            self._drop_role()

    def _drop_role(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [self.role])
            if cursor.fetchone():
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [self.role])
                cursor.execute(f'DROP OWNED BY "{self.role}"')
                cursor.execute(f'DROP ROLE "{self.role}"')

    def _practice(self):
        """Four counselors on one client each; two readers on the writers' clients;
        a signed authorization so the sharer's disclosures pass the gate."""
        admin = make_user("avery", Role.PRACTICE_ADMIN)
        people = {name: make_user(name, Role.COUNSELOR) for name in ("wren", "wade", "reed", "rory", "shay")}
        client_user = make_user("claire", Role.CLIENT)
        clients = {}
        for name in ("wren", "wade", "shay"):
            clients[name] = services.client_create(
                actor=admin,
                first_name=name.title(),
                last_name="Load",
                date_of_birth=date(1990, 1, 1),
                counselor=people[name],
            )
        for reader, target in (("reed", "wren"), ("rory", "wade")):
            services.assign(actor=admin, client=clients[target], counselor=people[reader], kind="co_therapist")
        signed = {}
        for name, client in clients.items():
            note = services.note_create(
                actor=people[name],
                record_number=client.record_number,
                date_of_service=date(2026, 11, 2),
                duration_minutes=50,
                service_type="individual",
                template="soap",
                sections={"subjective": "Signed before the load."},
            )
            signed[name] = services.note_sign(actor=people[name], note_id=note.pk)
        shared = clients["shay"]
        shared.user, shared.email = client_user, "claire@example.invalid"
        shared.save()
        auth = consent_services.authorization_prepare(
            actor=people["shay"],
            record_number=shared.record_number,
            kind="general",
            recipient_name="Dr. Dana Whitlock",
            recipient_organization="Eastside Clinic",
            recipient_email="dwhitlock@example.invalid",
            recipient_address="1 Main St",
            categories=["progress_notes"],
            information_from=date(2026, 1, 1),
            information_to=date(2026, 12, 31),
            purpose="continuity",
            purpose_detail="",
            expires_on=timezone.localdate() + timedelta(days=90),
            expiration_event="",
            representative_name="",
            representative_authority="",
        )
        consent_services.authorization_send(actor=people["shay"], auth_id=auth.pk, request_base_url="http://x")
        auth.refresh_from_db()
        consent_services.authorization_sign(
            actor=client_user,
            auth_id=auth.pk,
            typed_name="Shay Load",
            agree=True,
            shown_sha256=text_sha256(render_text(auth)),
            signature_image="",
            ip="192.0.2.5",
            user_agent="Test",
        )
        return people, clients, signed

    def _session(self, user) -> str:
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore
        from django_otp import DEVICE_ID_SESSION_KEY

        from practice.middleware import SESSION_LAST_SEEN, SESSION_LOGIN_AT
        from practice.models import AuthenticatorDevice

        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[SESSION_LOGIN_AT] = store[SESSION_LAST_SEEN] = time.time()
        store[DEVICE_ID_SESSION_KEY] = AuthenticatorDevice.objects.get(user=user, confirmed=True).persistent_id
        store.create()
        return store.session_key

    def _gunicorn_env(self, tmp: Path) -> dict:
        s = connection.settings_dict
        app_url = f"postgresql://{self.role}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "practice.settings",
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEY": os.environ["FIELD_ENCRYPTION_KEY"],
            "AUDIT_ANCHOR_KEY": settings.AUDIT_ANCHOR_KEY,
            "AUDIT_ANCHOR_FILE": str(tmp / "anchors.jsonl"),
            "AUDIT_ANCHOR_EVERY_EVENTS": "50",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": app_url,
            "DB_CONN_MAX_AGE": "60",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "STATIC_ROOT": str(tmp / "static"),
            "EMAIL_BACKEND": "file",
            "EMAIL_FILE_PATH": str(tmp / "mail"),
            "DJANGO_DATA_DIR": str(tmp),
            "LOG_LEVEL": "WARNING",
        }

    def test_load_with_a_killed_worker_and_dropped_connections(self):
        people, clients, signed = self._practice()
        db_roles.apply(connection, self.role, create=True)
        tmp = Path(tempfile.mkdtemp(prefix="load-faults-"))
        env = self._gunicorn_env(tmp)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        with socket_port() as port:
            log = (tmp / "gunicorn.log").open("w")
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "practice.wsgi", "--bind", f"127.0.0.1:{port}"]
                + ["--workers", str(WORKERS), "--graceful-timeout", "5", "--log-level", "warning"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                figures = self._run_load(port, server, people, clients, signed)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
                log.close()
        server_log = (tmp / "gunicorn.log").read_text()
        figures["anchors"] = (tmp / "anchors.jsonl").read_text().splitlines()
        self._check(figures, server_log)

    def _run_load(self, port, server, people, clients, signed) -> dict:
        wait_for(port)
        tally = Tally()
        stop = threading.Event()
        rn = {name: c.record_number for name, c in clients.items()}
        browsers = {name: Browser(port, self._session(user), tally) for name, user in people.items()}
        browsers["reed"].record_number = rn["wren"]
        browsers["rory"].record_number = rn["wade"]
        threads = [
            threading.Thread(
                target=_reader,
                args=(browsers["reed"], [f"/clients/{rn['wren']}/", f"/notes/{signed['wren'].pk}/"], stop),
            ),
            threading.Thread(
                target=_reader,
                args=(browsers["rory"], [f"/clients/{rn['wade']}/", f"/notes/{signed['wade'].pk}/"], stop),
            ),
            threading.Thread(target=_writer, args=(browsers["wren"], rn["wren"], stop, tally)),
            threading.Thread(target=_writer, args=(browsers["wade"], rn["wade"], stop, tally)),
            threading.Thread(target=_sharer, args=(browsers["shay"], rn["shay"], stop, tally)),
        ]
        start = time.monotonic()
        for t in threads:
            t.start()
        faults = []
        time.sleep(KILL_AT)
        workers = _children(server.pid)
        self.assertGreaterEqual(len(workers), 1)
        os.kill(workers[0], signal.SIGKILL)
        faults.append(time.monotonic())
        time.sleep(DROP_AT - KILL_AT)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = %s", [self.role]
            )
            dropped = cursor.fetchone()[0]
        faults.append(time.monotonic())
        time.sleep(max(0.0, LOAD_SECONDS - (time.monotonic() - start)))
        stop.set()
        for t in threads:
            t.join(timeout=60)
        seconds = time.monotonic() - start
        # Connections dropped while idle: the next requests reconnect instead of failing.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = %s", [self.role]
            )
            idle_dropped = cursor.fetchone()[0]
        after = [browsers["reed"].request("GET", f"/notes/{signed['wren'].pk}/")[0].status for _ in range(3 * WORKERS)]
        return {
            "tally": tally,
            "faults": faults,
            "dropped": dropped,
            "seconds": seconds,
            "idle_dropped": idle_dropped,
            "after": after,
        }

    def _check(self, figures: dict, server_log: str) -> None:
        tally, faults = figures["tally"], figures["faults"]
        results = tally.results
        errors = [r for r in results if r.status >= 500]
        in_flight = [r for r in errors if any(r.started <= f <= r.ended + 0.5 for f in faults)]
        resets = [r for r in results if r.status == 0]
        deadlocks = server_log.lower().count("deadlock detected")

        data = [r for r in results if r.client_data]
        allowed_ids = set(
            AuditEvent.objects.filter(outcome=Outcome.ALLOWED, request_id__in=[r.request_id for r in data]).values_list(
                "request_id", flat=True
            )
        )
        without_event = [r for r in data if r.request_id not in allowed_ids]

        lost = []
        for note_id, text in tally.acknowledged.items():
            note = SessionNote.objects.filter(pk=note_id).first()
            stored = note.sections.get("plan") if note else None
            if stored != text:
                lost.append(note_id)

        partial = []
        notes = SessionNote.objects.select_related("client")
        for note in notes:
            events = AuditEvent.objects.filter(
                object_type="session_note", object_id=str(note.pk), outcome=Outcome.ALLOWED
            )
            actions = list(events.values_list("action", flat=True))
            if actions.count("note.create") != 1:
                partial.append((note.pk, "create event", actions))
            if actions.count("note.update") != note.version - 1:
                partial.append((note.pk, "update events", note.version, actions))
            if note.is_signed and (actions.count("note.sign") != 1 or note.content_sha256 != note.compute_sha256()):
                partial.append((note.pk, "sign", actions))
            if not note.is_signed and "note.sign" in actions:
                partial.append((note.pk, "sign event without signature", actions))
        disclosures = list(Disclosure.objects.values_list("pk", flat=True))
        share_events = AuditEvent.objects.filter(action="disclosure.share", outcome=Outcome.ALLOWED).count()
        if share_events != len(disclosures):
            partial.append(("disclosures", len(disclosures), "events", share_events))
        verdict = verify_chain()
        # The workers anchored the chain outside the database as they went.
        anchored = [json.loads(line) for line in figures["anchors"]]
        anchor_problems = [str(check_anchor(a)) for a in anchored if check_anchor(a) is not None]

        events = AuditEvent.objects.count()
        print(
            f"\nload and faults: {len(results)} requests in {figures['seconds']:.0f} s, {WORKERS} gunicorn workers; "
            f"worker killed (SIGKILL) at {KILL_AT:.0f} s, {figures['dropped']} connections dropped at {DROP_AT:.0f} s\n"
            f"  500s: {len(errors)} ({len(in_flight)} in flight at a fault), connections reset: {len(resets)}, "
            f"deadlocks: {deadlocks}\n"
            f"  notes written: {len(tally.attempted)}, saves acknowledged: {len(tally.acknowledged)}, "
            f"lost updates: {len(lost)}, disclosures: {len(disclosures)} ({tally.shares} acknowledged), "
            f"partial writes: {len(partial)}\n"
            f"  client-data responses: {len(data)}, with their event: {len(data) - len(without_event)}; "
            f"events in the log: {events}; chain: {verdict}; anchors written: {len(anchored)}",
            flush=True,
        )
        print(f"  idle connections dropped after the load: {figures['idle_dropped']}, then: {figures['after']}")
        self.assertEqual(set(figures["after"]), {200})
        self.assertGreater(len(data), 50, "the load generator hardly ran")
        self.assertGreater(len(tally.acknowledged), 5)
        self.assertEqual(deadlocks, 0)
        self.assertEqual([(r.method, r.path, r.status) for r in errors if r not in in_flight], [])
        self.assertEqual(without_event, [])
        self.assertEqual(lost, [])
        self.assertEqual(partial, [])
        self.assertTrue(verdict.ok, str(verdict))
        self.assertGreaterEqual(len(anchored), 2)  # the first event, and every 50th
        self.assertEqual(anchor_problems, [])


def socket_port():
    from contextlib import contextmanager

    @contextmanager
    def port():
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            number = s.getsockname()[1]
        yield number

    return port()


def wait_for(port: int) -> None:
    import socket

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")
