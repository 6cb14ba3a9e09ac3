from django.db import connection
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.urls import path

from practice.urls import urlpatterns as practice_urlpatterns


def bare_note(request, note_id):
    """The baseline: any signed-in user, the same note row as stored (no decryption, no
    object permission, no audit), rendered in the same page layout."""
    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_of_service, duration_minutes, service_type, template, content, status, content_sha256 "
            "FROM records_sessionnote WHERE id = %s",
            [note_id],
        )
        columns = [c[0] for c in cursor.description]
        row = dict(zip(columns, cursor.fetchone(), strict=True))
    return render(request, "bench/bare_note.html", {"row": row})


def bare_note_audited(request, note_id):
    """The audited baseline (bench/pages.py): the bare view plus the one durable write an
    audited read needs, a committed single-row INSERT (autocommit: the statement commits
    with synchronous_commit on, like the audit append), before the page is rendered."""
    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_baseline_write (at, note_id) VALUES (now(), %s)", [note_id])
    return bare_note(request, note_id)


_ROW = ("date_of_service", "duration_minutes", "service_type", "template", "content", "status", "content_sha256")


def protected_note(request, note_id):
    """The protections alone (served by the full stack, bench/protected_settings.py): the
    note page's own service (permission folded into the read, decryption, audit) behind
    the full middleware (session lifetime, two-factor), rendering only what the
    baseline renders, in the baseline's template."""
    from records import services

    note = services.note_view(actor=request.user, note_id=note_id)
    return render(request, "bench/bare_note.html", {"row": {name: getattr(note, name) for name in _ROW}})


# The application's URLs are here only so that the shared layout can reverse its links.
urlpatterns = [
    path("bare/notes/<int:note_id>/", bare_note),
    path("bare/notes/<int:note_id>/audited/", bare_note_audited),
    path("protected/notes/<int:note_id>/", protected_note),
    *practice_urlpatterns,
]
