"""Audit log at scale, on PostgreSQL, in one run:

- verification speed (events per second) of verify_audit_chain at 100k and 1M events
  (it should scale linearly; goal 200k events/s or better);
- the first page of the review list filtered by one client at 10k and at 1M events
  (the ratio should stay near 1: indexes and keyset pagination, not offset scans).

    .venv/bin/python bench/audit_chain.py [--max 1000000]

Events are generated with real chained hashes and loaded with COPY.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database, manage, production_env  # noqa: E402


def setup(env):
    os.environ.update(env)
    import django

    django.setup()
    from datetime import date

    from practice.models import User
    from records import services

    admin = User.objects.create_user("bench.admin", role="practice_admin", password=None)
    counselor = User.objects.create_user("bench.counselor", role="counselor", password=None)
    clients = [
        services.client_create(
            actor=admin, first_name="B", last_name=str(i), date_of_birth=date(1990, 1, 1), counselor=counselor
        )
        for i in range(100)
    ]
    return counselor, clients


def grow_to(target: int, counselor, clients) -> None:
    """Append generated events (correctly chained) until the log holds `target`."""
    from django.db import connection

    from audit.chain import BODY_FIELDS, body_text, chain_hash
    from audit.models import AuditEvent

    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash", "occurred_at").first()
    seq, prev, moment = last
    columns = ["seq", "prev_hash", "hash", *BODY_FIELDS]
    start = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY audit_auditevent ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        while seq < target:
            seq += 1
            moment = moment + timedelta(seconds=1)
            client = clients[seq % len(clients)]
            values = {
                "occurred_at": moment,
                "actor_id": counselor.pk,
                "actor_username": counselor.username,
                "actor_role": "counselor",
                "action": "chart.view",
                "client_id": client.pk,
                "outcome": "allowed",
                "object_type": "client",
                "object_id": str(client.pk),
                "reason": "",
                "ip": "10.0.0.1",
                "user_agent": "bench",
                "request_id": f"{seq:032x}",
            }
            digest = chain_hash(seq, prev, body_text(values))
            copy.write_row([seq, prev, digest, *(values[name] for name in BODY_FIELDS)])
            prev = digest
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")
    print(f"  log grown to {target:,} events in {time.perf_counter() - start:.1f} s")


def verify_speed() -> float:
    from audit.verify import verify_chain

    start = time.perf_counter()
    verdict = verify_chain()
    elapsed = time.perf_counter() - start
    assert verdict.ok, str(verdict)
    return verdict.checked / elapsed


def first_page_ms(client) -> float:
    from audit.selectors import EventFilter, event_page

    flt = EventFilter(client_id=client.pk)
    event_page(flt)
    samples = []
    for _ in range(30):
        start = time.perf_counter()
        events, _ = event_page(flt)
        samples.append((time.perf_counter() - start) * 1000)
        assert len(events) == 50
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max", type=int, default=1_000_000)
    args = parser.parse_args()
    env = production_env(fresh_database("practice_bench_audit"))
    manage(env, "migrate", "--noinput")
    counselor, clients = setup(env)
    target = clients[7]

    results = {}
    for size in sorted({10_000, 100_000, args.max}):
        grow_to(size, counselor, clients)
        results[size] = {"page_ms": first_page_ms(target)}
        if size >= 100_000:
            results[size]["verify_eps"] = verify_speed()
    print(f"{'events':>10} {'first page (ms)':>16} {'verify (events/s)':>18}")
    for size, r in results.items():
        eps = f"{r['verify_eps']:,.0f}" if "verify_eps" in r else "-"
        print(f"{size:>10,} {r['page_ms']:>16.2f} {eps:>18}")
    small, large = min(results), max(results)
    print(
        f"first page ratio {large:,} / {small:,} events: {results[large]['page_ms'] / results[small]['page_ms']:.2f}"
        " (goal: near 1)"
    )
    v = [r["verify_eps"] for r in results.values() if "verify_eps" in r]
    if len(v) == 2:
        print(
            f"verification speed ratio {large:,} / 100,000 events: {v[1] / v[0]:.2f} (linear scaling: near 1;"
            " goal 200,000 events/s)"
        )


if __name__ == "__main__":
    main()
