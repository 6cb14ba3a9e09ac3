"""The one benchmark of pages that grow with the records (issue 15, items 8 and 9), on a
throwaway PostgreSQL database, in one run:

1. Size ratios. Each page is timed at a small and a large size of the data it lists;
   the ratio large / small should stay at or below 1.5:

   | page | small | large |
   | --- | --- | --- |
   | caseload (`/caseload/`, counselor) | 20 clients | 200 clients |
   | admin client list (`/practice/clients/`) | 50 clients | 5,000 clients |
   | audit review (`/audit/`, practice admin) | 10,000 events | 1,000,000 events |
   | client access history (`/my/access/`, the client) | 10,000 events | 1,000,000 events |
   | chart (`/clients/<record>/`, counselor) | 5 notes | 500 notes |

   Pages are driven through Django's WSGI handler in this process, the full middleware
   stack on (sessions, two-factor, permissions, audit); each figure is the median (and
   the fastest) wall-clock time of `--repeat` requests after two warm-up requests. On a
   shared machine the fastest is the steadier figure; both ratios are printed.

   Events are generated with the same hashing code as the application
   (audit.chain.chain_hash over audit.chain.body_text, which tests/audit check against
   the database's own audit_append), loaded with COPY and chained to the head, so the
   log stays a valid chain (`--verify` runs verify_audit_chain over it at the end).
   A tenth of the events are the history client's.

2. The note page against its physical floor, under gunicorn (4 workers, 4 closed-loop
   clients) on PostgreSQL: requests per second of the full note page, of the audited
   baseline (the bare view plus one committed single-row INSERT, bench/bare_urls.py)
   and of the old bare-view baseline. Printed: full / audited baseline (goal 0.85) and
   full / bare baseline beside it.

    .venv/bin/python bench/pages.py [--events 1000000] [--repeat 30] [--seconds 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fetch, fresh_database, gunicorn, manage, median, production_env, requests_per_second  # noqa: E402

FIRST = ["Morgan", "Jamie", "Alex", "Riley", "Casey", "Jordan", "Taylor", "Avery", "Quinn", "Rowan"]
LAST = ["Ellery", "Stone", "Park", "Nguyen", "Garcia", "Okafor", "Schmidt", "Rossi", "Kowalski", "Haddad"]


# --- Data -------------------------------------------------------------------------------------
class World:
    """The people and the sessions the pages are requested with."""

    def __init__(self):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from practice import identity
        from practice.models import User
        from records import services

        self.admin = User.objects.create_user("bench.admin", role="practice_admin", password=None)
        self.counselor = User.objects.create_user(
            "bench.counselor", role="counselor", password=None, first_name="Bench", last_name="Counselor"
        )
        self.other = User.objects.create_user("bench.other", role="counselor", password=None)
        self.devices = {
            u.pk: TOTPDevice.objects.create(user=u, name="bench", confirmed=True) for u in (self.admin, self.counselor)
        }
        self.history_client = services.client_create(
            actor=self.admin,
            first_name="History",
            last_name="Client",
            date_of_birth=date(1990, 1, 1),
            counselor=self.counselor,
        )
        portal_user = User.objects.create_user(
            identity.client_username("history@example.invalid"), role="client", password=None
        )
        from records.models import Client

        Client.objects.filter(pk=self.history_client.pk).update(user=portal_user)
        self.client_user = portal_user
        self.clients_made = 1
        self.counselor_clients = 1

    def cookie(self, user) -> str:
        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore
        from django_otp import DEVICE_ID_SESSION_KEY

        from practice.middleware import SESSION_LAST_SEEN, SESSION_LOGIN_AT

        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        now = time.time() + 3600  # long benchmarks: the idle timeout must not end it
        store[SESSION_LOGIN_AT] = now
        store[SESSION_LAST_SEEN] = now
        if user.pk in self.devices:
            store[DEVICE_ID_SESSION_KEY] = self.devices[user.pk].persistent_id
        store.create()
        return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    def grow_clients(self, total: int, counselor_total: int) -> None:
        """Clients (bulk, with their search index rows and assignments) until the practice
        has `total`, `counselor_total` of them the counselor's (the rest the other's)."""
        from django.contrib.auth.models import Permission

        from records.models import Assignment, Client, ClientSearchToken, ClientUserObjectPermission
        from records.search import client_digests

        perms = {p.codename: p for p in Permission.objects.filter(codename__in=["view_chart", "write_notes"])}
        new = []
        for i in range(self.clients_made, total):
            new.append(
                Client(
                    record_number=f"B-{i:06d}",
                    first_name=FIRST[i % 10],
                    last_name=f"{LAST[(i // 10) % 10]}",
                    preferred_name="",
                    date_of_birth=date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
                    last_service_date=date(2026, 1, 1) + timedelta(days=i % 300),
                )
            )
        Client.objects.bulk_create(new, batch_size=500)
        mine = max(0, counselor_total - self.counselor_clients)
        assignments, grants, tokens = [], [], []
        for n, client in enumerate(new):
            owner = self.counselor if n < mine else self.other
            assignments.append(Assignment(client=client, counselor=owner, kind="primary", assigned_by=self.admin))
            grants += [
                ClientUserObjectPermission(user=owner, permission=p, content_object=client) for p in perms.values()
            ]
            tokens += [
                ClientSearchToken(client=client, digest=d)
                for d in client_digests(
                    first_name=client.first_name,
                    last_name=client.last_name,
                    preferred_name="",
                    date_of_birth=client.date_of_birth,
                )
            ]
        Assignment.objects.bulk_create(assignments, batch_size=2000)
        ClientUserObjectPermission.objects.bulk_create(grants, batch_size=2000)
        ClientSearchToken.objects.bulk_create(tokens, batch_size=5000)
        self.clients_made = total
        self.counselor_clients += mine
        analyze()

    def grow_notes(self, client, total: int) -> None:
        """Signed notes (through the model, so each content value is bound to its row)."""
        from django.utils import timezone

        from records.models import SessionNote

        have = SessionNote.objects.filter(client=client).count()
        now = timezone.now()
        notes = [
            SessionNote(
                client=client,
                author=self.counselor,
                date_of_service=date(2020, 1, 1) + timedelta(days=i),
                duration_minutes=50,
                service_type="individual",
                template="soap",
                content='{"subjective": "' + "Benchmark clinical text. " * 400 + '"}',
                status="signed",
                signed_by=self.counselor,
                signed_at=now,
                content_sha256="0" * 64,
            )
            for i in range(have, total)
        ]
        SessionNote.objects.bulk_create(notes, batch_size=200)
        analyze()


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def grow_events(target: int, world: World) -> float:
    """Append chained events until the log holds `target` (seq), through the application's
    own hashing (audit.chain), loaded with COPY; the chain head follows. A tenth are the
    history client's, the rest spread over other clients and no client."""
    from django.db import connection

    from audit.chain import BODY_FIELDS, body_text, chain_hash
    from audit.models import AuditEvent

    start = time.perf_counter()
    seq, prev, moment = AuditEvent.objects.order_by("-seq").values_list("seq", "hash", "occurred_at").first()
    other_ids = list(range(1, world.clients_made + 1))
    columns = ["seq", "prev_hash", "hash", *BODY_FIELDS]
    actions = ("chart.view", "note.view", "caseload.view", "note.print")
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM records_client ORDER BY id")
        other_ids = [row[0] for row in cursor.fetchall() if row[0] != world.history_client.pk] or [None]
        with cursor.connection.cursor().copy(
            f"COPY audit_auditevent ({', '.join(columns)}) FROM STDIN"  # noqa: S608 (constants)
        ) as copy:
            while seq < target:
                seq += 1
                moment = moment + timedelta(milliseconds=50)
                if seq % 10 == 0:
                    client_id = world.history_client.pk
                elif seq % 10 == 5:
                    client_id = None
                else:
                    client_id = other_ids[seq % len(other_ids)]
                values = {
                    "occurred_at": moment,
                    "actor_id": world.counselor.pk,
                    "actor_username": world.counselor.username,
                    "actor_role": "counselor",
                    "action": actions[seq % len(actions)] if client_id else "caseload.view",
                    "client_id": client_id,
                    "outcome": "allowed",
                    "object_type": "client",
                    "object_id": str(client_id or ""),
                    "reason": "",
                    "ip": "10.0.0.1",
                    "user_agent": "bench",
                    "request_id": f"{seq:032x}",
                }
                digest = chain_hash(seq, prev, body_text(values))
                copy.write_row([seq, prev, digest, *(values[name] for name in BODY_FIELDS)])
                prev = digest
        cursor.execute("UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1", [seq, prev])
    analyze()
    return time.perf_counter() - start


# --- Timing pages in this process -----------------------------------------------------------
def wsgi_app():
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()


def call(app, path: str, cookie: str, query: str = "") -> bytes:
    status = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    body = b"".join(app(environ, lambda s, h, *a: status.append(s)))
    if not status[0].startswith("200"):
        raise RuntimeError(f"{path} answered {status[0]}")
    return body


def page_ms(app, path: str, cookie: str, repeat: int, expect: bytes) -> tuple[float, float]:
    """(median, fastest) wall-clock milliseconds of `repeat` requests."""
    for _ in range(2):
        body = call(app, path, cookie)
    if expect not in body:
        raise RuntimeError(f"{path}: the page does not show {expect!r}")
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call(app, path, cookie)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples)


# --- The note page against its floor ----------------------------------------------------------
def note_page(env, world: World, args) -> dict:
    from django.db import connection

    from records import services

    client = world.history_client
    note = services.note_create(
        actor=world.counselor,
        record_number=client.record_number,
        date_of_service=date(2026, 11, 2),
        duration_minutes=50,
        service_type="individual",
        template="soap",
        sections=dict.fromkeys(("subjective", "objective", "assessment", "plan"), "Benchmark clinical text. " * 20),
    )
    services.note_sign(actor=world.counselor, note_id=note.pk)
    services.addendum_create(actor=world.counselor, note_id=note.pk, text="Benchmark addendum.")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_baseline_write "
            "(id bigserial PRIMARY KEY, at timestamptz NOT NULL, note_id bigint NOT NULL)"
        )
    full_cookie = world.cookie(world.counselor)
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(world.counselor.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = world.counselor.get_session_auth_hash()
    store.create()
    from django.conf import settings

    bare_cookie = f"{settings.SESSION_COOKIE_NAME}={store.session_key}"
    full_path = f"/notes/{note.pk}/"
    bare_path = f"/bare/notes/{note.pk}/"
    audited_path = f"/bare/notes/{note.pk}/audited/"
    load = {"seconds": args.seconds, "clients": args.clients}
    ratios = {"audited": [], "bare": []}
    print(
        f"{'round':>5} {'full req/s':>11} {'audited baseline':>17} {'bare baseline':>14}"
        f" {'full/audited':>13} {'full/bare':>10}"
    )
    with (
        gunicorn(env, workers=args.workers) as full_port,
        gunicorn(env, settings_module="bench.bare_settings", workers=args.workers) as bare_port,
    ):
        # The first requests warm each worker up (slow on a loaded machine).
        status, body = fetch(full_port, full_path, full_cookie, timeout=60)
        assert status == 200 and "Benchmark clinical text." in body, f"full page answered {status}"
        for path in (bare_path, audited_path):
            status, body = fetch(bare_port, path, bare_cookie, timeout=60)
            assert status == 200 and "gAAAA" in body, f"baseline {path} answered {status}"
        for r in range(1, args.rounds + 1):
            full = requests_per_second(full_port, full_path, full_cookie, **load)
            audited = requests_per_second(bare_port, audited_path, bare_cookie, **load)
            bare = requests_per_second(bare_port, bare_path, bare_cookie, **load)
            ratios["audited"].append(full / audited)
            ratios["bare"].append(full / bare)
            print(f"{r:>5} {full:>11.1f} {audited:>17.1f} {bare:>14.1f} {full / audited:>13.2f} {full / bare:>10.2f}")
    return {k: median(v) for k, v in ratios.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="large size of the audit log")
    parser.add_argument("--repeat", type=int, default=30, help="requests per page and size (median)")
    parser.add_argument("--seconds", type=float, default=1.5, help="note page: seconds per measurement")
    parser.add_argument(
        "--rounds", type=int, default=12, help="note page: rounds (short, alternating: steadier on a shared machine)"
    )
    parser.add_argument("--clients", type=int, default=4, help="note page: concurrent clients")
    parser.add_argument("--workers", type=int, default=4, help="note page: gunicorn workers")
    parser.add_argument("--skip-note-page", action="store_true")
    parser.add_argument("--note-page-only", action="store_true", help="only the note page against its baselines")
    parser.add_argument("--verify", action="store_true", help="verify the whole chain at the end")
    parser.add_argument("--profile", action="store_true", help="print each page's queries at the large size")
    args = parser.parse_args()

    env = production_env(fresh_database("practice_bench_pages"))
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    os.environ.update(env)
    import django

    django.setup()
    world = World()
    app = wsgi_app()
    cookies = {
        "counselor": world.cookie(world.counselor),
        "admin": world.cookie(world.admin),
        "client": world.cookie(world.client_user),
    }
    chart = f"/clients/{world.history_client.record_number}/"
    pages = {
        "caseload": ("/caseload/", "counselor", b'href="/clients/'),
        "admin client list": ("/practice/clients/", "admin", b"/assignments/"),
        "audit review": ("/audit/", "admin", b"chart.view"),
        "client access history": ("/my/access/", "client", b"Bench Counselor"),
        "chart": (chart, "counselor", b"History Client"),
    }
    sizes = {
        "caseload": ("20 clients", "200 clients"),
        "admin client list": ("50 clients", "5,000 clients"),
        "audit review": ("10,000 events", f"{args.events:,} events"),
        "client access history": ("10,000 events", f"{args.events:,} events"),
        "chart": ("5 notes", "500 notes"),
    }
    timed: dict[str, list[tuple[float, float]]] = {name: [] for name in pages}

    if args.note_page_only:
        report_note_page(env, world, args)
        return

    def measure(names):
        for name in names:
            path, who, expect = pages[name]
            timed[name].append(page_ms(app, path, cookies[who], args.repeat, expect))

    t = time.perf_counter()
    world.grow_clients(50, 20)
    world.grow_notes(world.history_client, 5)
    print(f"small clients and notes in {time.perf_counter() - t:.1f} s")
    print(f"events to 10,000 in {grow_events(10_000, world):.1f} s")
    measure(pages)
    t = time.perf_counter()
    world.grow_clients(5000, 200)
    world.grow_notes(world.history_client, 500)
    print(f"large clients and notes in {time.perf_counter() - t:.1f} s")
    print(f"events to {args.events:,} in {grow_events(args.events, world):.1f} s")
    measure(pages)

    if args.profile:
        print("\nqueries of each page at the large size (count, total ms, slowest):")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for name, (path, who, _expect) in pages.items():
            with CaptureQueriesContext(connection) as ctx:
                call(app, path, cookies[who])
            times = sorted(((float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries), reverse=True)
            print(f"  {name}: {len(times)} queries, {sum(t for t, _ in times):.1f} ms")
            for t, sql in times[:3]:
                print(f"    {t:7.1f} ms  {sql[:160]}")

    print()
    print("median and fastest of each page, ms; ratio = large / small (goal <= 1.5)")
    print(
        f"{'page':<22} {'small':>14} {'median':>7} {'fastest':>7} {'large':>17} {'median':>7} {'fastest':>7}"
        f" {'ratio (median)':>14} {'ratio (fastest)':>15}"
    )
    for name, ((small, small_min), (large, large_min)) in timed.items():
        s_label, l_label = sizes[name]
        print(
            f"{name:<22} {s_label:>14} {small:>7.1f} {small_min:>7.1f} {l_label:>17} {large:>7.1f} {large_min:>7.1f}"
            f" {large / small:>14.2f} {large_min / small_min:>15.2f}"
        )

    if args.verify:
        from audit.verify import verify_chain

        t = time.perf_counter()
        verdict = verify_chain()
        print(f"\nverify_audit_chain: {verdict} ({time.perf_counter() - t:.1f} s)")

    if not args.skip_note_page:
        report_note_page(env, world, args)


def report_note_page(env, world: World, args) -> None:
    print("\nnote page under gunicorn on PostgreSQL")
    result = note_page(env, world, args)
    print(f"median full / audited baseline (bare view + one committed INSERT): {result['audited']:.2f} (goal 0.85)")
    print(f"median full / bare-view baseline (the old one):                   {result['bare']:.2f}")


if __name__ == "__main__":
    main()
