"""The cost of the audit write: requests per second of the note page with everything on
against the same stack with the audit write removed, both under gunicorn on
PostgreSQL, in one run.

    .venv/bin/python bench/audit_write.py [--seconds 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fetch, fresh_database, gunicorn, manage, median, production_env, requests_per_second  # noqa: E402
from bench.note_page import prepare  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    env = production_env(fresh_database("practice_bench_audit_write"))
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    data = prepare(env)
    path = f"/notes/{data['note_id']}/"
    cookie = data["full_cookie"]

    with gunicorn(env) as audited, gunicorn(env, app="bench.no_audit_wsgi") as unaudited:
        for port in (audited, unaudited):
            status, body = fetch(port, path, cookie)
            assert status == 200 and "Benchmark clinical text." in body, f"answered {status}"
        ratios = []
        print(f"{'round':>5} {'audited req/s':>14} {'unaudited req/s':>16} {'ratio':>6}")
        for r in range(1, args.rounds + 1):
            a = requests_per_second(audited, path, cookie, seconds=args.seconds, clients=args.clients)
            u = requests_per_second(unaudited, path, cookie, seconds=args.seconds, clients=args.clients)
            ratios.append(a / u)
            print(f"{r:>5} {a:>14.1f} {u:>16.1f} {a / u:>6.2f}")
    print(f"median ratio audited/unaudited: {median(ratios):.2f}")


if __name__ == "__main__":
    main()
