"""Where the note page's time goes, measured in one process on PostgreSQL.

bench/note_page.py gives the figure that counts (requests per second under gunicorn);
on a shared machine it moves by a tenth from run to run. This one drives both stacks
through Django's WSGI handler in the same process, alternating batches, and counts CPU
time of this process only, so the ratio is steadier. It then times each piece the full
page adds, to show what is left to win.

    .venv/bin/python bench/note_page_breakdown.py [--batches 10] [--batch 200]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database, manage, production_env  # noqa: E402
from bench.note_page import prepare  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()

    env = production_env(fresh_database("practice_bench_breakdown"))
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    data = prepare(env)

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    import bench.bare_settings

    # bench.bare_urls serves the application's URLs too, so both handlers use it.
    settings.ROOT_URLCONF = "bench.bare_urls"
    full_app = WSGIHandler()
    with override_settings(MIDDLEWARE=bench.bare_settings.MIDDLEWARE):
        bare_app = WSGIHandler()

    def call(app, path, cookie) -> bytes:
        status = []
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
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
        assert status[0].startswith("200"), status
        return body

    full = (full_app, f"/notes/{data['note_id']}/", data["full_cookie"])
    protected = (full_app, f"/protected/notes/{data['note_id']}/", data["full_cookie"])
    bare = (bare_app, f"/bare/notes/{data['note_id']}/", data["bare_cookie"])
    assert b"Benchmark clinical text." in call(*full)
    assert b"Benchmark clinical text." in call(*protected)
    assert b"gAAAA" in call(*bare)

    def per_request(target, n=args.batch) -> float:
        start = time.process_time()
        for _ in range(n):
            call(*target)
        return (time.process_time() - start) / n * 1000

    for _ in range(3):
        per_request(full), per_request(protected), per_request(bare)
    fulls, prots, bares = [], [], []
    for _ in range(args.batches):
        fulls.append(per_request(full))
        prots.append(per_request(protected))
        bares.append(per_request(bare))
    print(f"CPU per request, median of {args.batches} alternating batches of {args.batch}:")
    print(f"  full stack, note page     {statistics.median(fulls):6.2f} ms")
    print(f"  full stack, baseline page {statistics.median(prots):6.2f} ms  (the protections alone)")
    print(f"  baseline                  {statistics.median(bares):6.2f} ms  (standard stack, bench/bare_settings.py)")
    for name, series in (("note page", fulls), ("protections alone", prots)):
        ratios = [b / f for f, b in zip(series, bares, strict=True)]
        print(
            f"  ratio baseline/{name}: {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})"
        )

    pieces(data)


def pieces(data: dict) -> None:
    """Each piece the full page adds, timed alone (wall clock, includes the database)."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    import audit
    from practice.middleware import OTPMiddleware
    from practice.models import AuthenticatorDevice, User
    from records import selectors, services
    from records.forms import AddendumForm

    user = User.objects.get(username="bench.counselor")
    note_id = data["note_id"]
    note = services.note_view(actor=user, note_id=note_id)
    request = RequestFactory().get("/")
    request.user, request.session = user, {}
    request._messages = FallbackStorage(request)
    device_id = AuthenticatorDevice.objects.get(user=user).persistent_id
    otp = OTPMiddleware(lambda r: None)

    def raw_row():
        with connection.cursor() as cursor:
            cursor.execute("SELECT content FROM records_sessionnote WHERE id = %s", [note_id])
            cursor.fetchone()

    row = {"content": note.content, "date_of_service": note.date_of_service, "service_type": note.service_type}
    timings = [
        ("baseline: the raw row", raw_row),
        ("two-factor device check", lambda: otp._device_from_persistent_id(device_id)),
        ("note + permission + addenda + decryption", lambda: selectors.note_with_addenda_for(user, note_id)),
        (
            "audit append",
            lambda: audit.record(
                action="note.view", actor=user, client=note.client, object_type="session_note", object_id=note_id
            ),
        ),
        ("baseline: render", lambda: render_to_string("bench/bare_note.html", {"row": row}, request=request)),
        (
            "note page: render",
            lambda: render_to_string(
                "records/note_detail.html", {"note": note, "addendum_form": AddendumForm()}, request=request
            ),
        ),
    ]
    print("Pieces, wall clock per call (median of 5 runs of 300):")
    for name, fn in timings:
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(300):
                fn()
            runs.append((time.perf_counter() - start) / 300 * 1000)
        print(f"  {name:42s} {statistics.median(runs):6.3f} ms")


if __name__ == "__main__":
    main()
