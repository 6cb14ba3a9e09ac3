"""Requests per second of the note page with everything on (session, two-factor,
object permission, decryption, audit) against a bare view that reads the same row with
plain session authentication and renders it in the same layout, all under gunicorn on
PostgreSQL, in one run.

Two baselines (bench/bare_settings.py): "standard" keeps Django's ordinary web stack
(security headers, CSRF, messages, CSP, no-store), "minimal" only sessions and
authentication. The goal (0.75) is stated against the standard baseline; both ratios
are printed. A third stack, "protected" (bench/protected_settings.py), is the full stack
and the note page's own service rendering only what the baseline renders: the cost of
the protections alone, without the note page's extra content (client name, author,
addenda, the addendum form).

    .venv/bin/python bench/note_page.py [--seconds 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fetch, fresh_database, gunicorn, manage, median, production_env, requests_per_second  # noqa: E402


def prepare(env: dict[str, str]) -> dict:
    """Create a client, a signed note with an addendum, and two signed-in sessions."""
    os.environ.update(env)
    import django

    django.setup()
    import time
    from datetime import date

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    from practice.middleware import SESSION_LAST_SEEN, SESSION_LOGIN_AT
    from practice.models import AuthenticatorDevice, User
    from records import services

    admin = User.objects.create_user("bench.admin", role="practice_admin", password=None)
    counselor = User.objects.create_user("bench.counselor", role="counselor", password=None)
    device = AuthenticatorDevice.objects.create(user=counselor, name="bench", confirmed=True)
    client = services.client_create(
        actor=admin, first_name="Bench", last_name="Client", date_of_birth=date(1990, 1, 1), counselor=counselor
    )
    note = services.note_create(
        actor=counselor,
        record_number=client.record_number,
        date_of_service=date(2026, 11, 2),
        duration_minutes=50,
        service_type="individual",
        template="soap",
        sections=dict.fromkeys(("subjective", "objective", "assessment", "plan"), "Benchmark clinical text. " * 20),
    )
    services.note_sign(actor=counselor, note_id=note.pk)
    services.addendum_create(actor=counselor, note_id=note.pk, text="Benchmark addendum.")

    def session_for(user, verified):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        now = time.time()
        store[SESSION_LOGIN_AT] = now
        store[SESSION_LAST_SEEN] = now
        if verified:
            store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.create()
        return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"

    return {
        "note_id": note.pk,
        "full_cookie": session_for(counselor, True),
        "bare_cookie": session_for(counselor, False),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (README: production runs 4)")
    args = parser.parse_args()

    env = production_env(fresh_database("practice_bench_note"))
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    data = prepare(env)
    full_path = f"/notes/{data['note_id']}/"
    protected_path = f"/protected/notes/{data['note_id']}/"
    bare_path = f"/bare/notes/{data['note_id']}/"
    workers = {"workers": args.workers}

    with (
        gunicorn(env, **workers) as full_port,
        gunicorn(env, settings_module="bench.protected_settings", **workers) as prot_port,
        gunicorn(env, settings_module="bench.bare_settings", **workers) as std_port,
        gunicorn(env, settings_module="bench.bare_minimal_settings", **workers) as min_port,
    ):
        for port, path in ((full_port, full_path), (prot_port, protected_path)):
            status, body = fetch(port, path, data["full_cookie"])
            assert status == 200 and "Benchmark clinical text." in body, f"full stack answered {status}"
        for port in (std_port, min_port):
            status, body = fetch(port, bare_path, data["bare_cookie"])
            assert status == 200 and "gAAAA" in body, f"baseline answered {status}"
        ratios: dict[str, list[float]] = {"full/std": [], "protected/std": [], "full/min": []}
        print(
            f"{'round':>5} {'full req/s':>11} {'protected':>10} {'standard':>9} {'minimal':>8}"
            f" {'full/std':>9} {'prot/std':>9} {'full/min':>9}"
        )
        load = {"seconds": args.seconds, "clients": args.clients}
        for r in range(1, args.rounds + 1):
            full = requests_per_second(full_port, full_path, data["full_cookie"], **load)
            prot = requests_per_second(prot_port, protected_path, data["full_cookie"], **load)
            std = requests_per_second(std_port, bare_path, data["bare_cookie"], **load)
            mini = requests_per_second(min_port, bare_path, data["bare_cookie"], **load)
            ratios["full/std"].append(full / std)
            ratios["protected/std"].append(prot / std)
            ratios["full/min"].append(full / mini)
            print(
                f"{r:>5} {full:>11.1f} {prot:>10.1f} {std:>9.1f} {mini:>8.1f}"
                f" {full / std:>9.2f} {prot / std:>9.2f} {full / mini:>9.2f}"
            )
    print(f"median ratio full/standard baseline:      {median(ratios['full/std']):.2f} (goal 0.75)")
    print(
        f"median ratio protected/standard baseline: {median(ratios['protected/std']):.2f} (same page as the baseline)"
    )
    print(f"median ratio full/minimal baseline:       {median(ratios['full/min']):.2f}")


if __name__ == "__main__":
    main()
