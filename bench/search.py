"""Client search on PostgreSQL at 50 and 5,000 clients: the keyed blind index
(records.search, what the product uses) against decrypting every client the person may
see and matching in Python (the alternative the issue names).

Two scopes: a practice admin (every client visible) and a counselor to whom every
client is assigned (the worst case of a caseload). Times are medians of 20 searches,
in one process, the service's selector only (no HTTP).

    .venv/bin/python bench/search.py [--sizes 50,5000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database, manage, production_env  # noqa: E402

FIRST = ["Morgan", "Jamie", "Alex", "Riley", "Casey", "Jordan", "Taylor", "Avery", "Quinn", "Rowan"]
LAST = ["Ellery", "Stone", "Park", "Nguyen", "Garcia", "Okafor", "Schmidt", "Rossi", "Kowalski", "Haddad"]


def populate(n: int, counselor, start: int) -> None:
    """Clients start..n-1 (names from the lists above, made unique by a number in the
    last name), their index rows, and a view_chart permission for the counselor."""
    from datetime import date

    from django.contrib.auth.models import Permission

    from records.models import Client, ClientSearchToken, ClientUserObjectPermission
    from records.search import client_digests

    perm = Permission.objects.get(codename="view_chart")
    clients = [
        Client(
            record_number=f"C-{i + 1:06d}",
            first_name=FIRST[i % len(FIRST)],
            last_name=f"{LAST[(i // len(FIRST)) % len(LAST)]}{i}",
            preferred_name="",
            date_of_birth=date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
        )
        for i in range(start, n)
    ]
    Client.objects.bulk_create(clients, batch_size=500)
    tokens = [
        ClientSearchToken(client=c, digest=d)
        for c in clients
        for d in client_digests(
            first_name=c.first_name,
            last_name=c.last_name,
            preferred_name=c.preferred_name,
            date_of_birth=c.date_of_birth,
        )
    ]
    ClientSearchToken.objects.bulk_create(tokens, batch_size=5000)
    ClientUserObjectPermission.objects.bulk_create(
        [ClientUserObjectPermission(user=counselor, permission=perm, content_object=c) for c in clients],
        batch_size=2000,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def by_decryption(base, text: str) -> list:
    """The alternative: decrypt the names of every client in `base`, match in Python."""
    from records.search import words

    wanted = [w for w in words(text) if len(w) >= 2]
    found = []
    for client in base.only("id", "record_number", "first_name", "last_name", "preferred_name").order_by(
        "record_number"
    ):
        names = words(client.first_name) + words(client.last_name) + words(client.preferred_name)
        if wanted and all(any(n.startswith(w) for n in names) for w in wanted):
            found.append(client)
    return found


def median_ms(fn, repeat: int = 20) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="50,5000")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    env = production_env(fresh_database("practice_bench_search"))
    manage(env, "migrate", "--noinput")
    os.environ.update(env)
    import django

    django.setup()
    from practice.models import User
    from records import selectors

    counselor = User.objects.create_user("bench.counselor", role="counselor", password=None)
    queries = {"last name prefix": "elle", "first and last": "morgan ellery", "record number": "C-000042"}
    rows = []
    done = 0
    for size in sizes:
        populate(size, counselor, done)
        done = size
        for scope, base in (
            ("admin", lambda: selectors.clients_for_admin()),
            ("counselor", lambda: selectors.searchable_for_clinician(counselor)),
        ):
            for label, q in queries.items():
                index_ms = median_ms(lambda q=q, base=base: selectors.search_clients(base(), q, dates=False))
                decrypt_ms = median_ms(lambda q=q, base=base: by_decryption(base(), q), repeat=5)
                rows.append((size, scope, label, index_ms, decrypt_ms))
    print(f"{'clients':>7} {'scope':>9} {'query':>17} {'blind index (ms)':>17} {'decrypt all (ms)':>17}")
    for size, scope, label, index_ms, decrypt_ms in rows:
        print(f"{size:>7,} {scope:>9} {label:>17} {index_ms:>17.2f} {decrypt_ms:>17.1f}")
    small, large = sizes[0], sizes[-1]
    for method, col in (("blind index", 3), ("decrypt all", 4)):
        s = statistics.median(r[col] for r in rows if r[0] == small)
        big = statistics.median(r[col] for r in rows if r[0] == large)
        print(f"{method}: median {s:.2f} ms at {small:,}, {big:.2f} ms at {large:,} (ratio {big / s:.1f})")


if __name__ == "__main__":
    main()
