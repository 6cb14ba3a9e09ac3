import csv
from dataclasses import replace
from itertools import islice

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit import selectors, services
from audit.forms import EventFilterForm, FlagReviewForm
from audit.people import name_events, staff_person
from audit.selectors import EventFilter
from audit.words import reason_words, zone_words


def _filter_from(request) -> tuple[EventFilterForm, EventFilter | None]:
    form = EventFilterForm(request.GET or None)
    if not request.GET:
        return form, EventFilter()
    return form, (form.event_filter() if form.is_valid() else None)


def audit_log(request):
    services.require_reviewer(request.user, "audit.view")
    form, flt = _filter_from(request)
    events, next_before = ([], None)
    if flt is not None:
        events, next_before = services.review_log(
            actor=request.user, flt=flt, before=_sequence(request.GET.get("before"))
        )
    query = request.GET.copy()
    query.pop("before", None)
    name_events(events)
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "events": events,
            "next_before": next_before,
            "query": query.urlencode(),
            "verification": selectors.latest_verification(),
            "zone": zone_words(),
            "one_run": flt is not None and bool(flt.seq_from or flt.seq_to),
        },
    )


def _sequence(value: str | None) -> int | None:
    """The keyset cursor: a sequence number, or None for anything else ('²' and '١٢' are
    digits to str.isdigit, not to int, and a 30-digit number overflows the column)."""
    if value and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def _cell(value) -> str:
    """Spreadsheet-safe text: a leading = + - @ would be run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


def audit_export(request):
    services.require_reviewer(request.user, "audit.export")
    form, flt = _filter_from(request)
    if flt is None:
        return render(request, "audit/log.html", {"form": form, "events": []}, status=400)
    rows = services.export_log(actor=request.user, flt=flt)
    writer = csv.writer(_Echo())
    header = [
        "seq",
        "occurred_at_utc",
        "actor",
        "role",
        "action",
        "outcome",
        "client",
        "object_type",
        "object_id",
        "reason",
        "ip",
        "user_agent",
        "request_id",
        "hash",
        # The same event as the review pages say it.
        "who",
        "who_role",
        "what",
    ]

    def named(events, size=500):
        while batch := list(islice(events, size)):
            name_events(batch)
            yield from batch

    def lines():
        yield writer.writerow(header)
        for e in named(rows):
            yield writer.writerow(
                [
                    _cell(v)
                    for v in (
                        e.seq,
                        e.occurred_at.isoformat(),
                        e.actor_username,
                        e.actor_role,
                        e.action,
                        e.outcome,
                        e.client_record or "",
                        e.object_type,
                        e.object_id,
                        e.reason,
                        e.ip or "",
                        e.user_agent,
                        e.request_id,
                        e.hash,
                        e.person.name,
                        e.person.role,
                        e.what,
                    )
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


def audit_flags(request):
    flags = [replace(flag, note=reason_words(flag.note)) for flag in services.review_flags(actor=request.user)]
    name_events([flag.event for flag in flags])
    return render(request, "audit/flags.html", {"flags": flags, "zone": zone_words()})


def audit_flags_reviewed(request):
    reviews, next_before = services.review_reviewed_flags(
        actor=request.user, before=_sequence(request.GET.get("before"))
    )
    name_events([review.event for review in reviews])
    reviewers = {review.reviewer_id: staff_person(review.reviewer) for review in reviews}
    for review in reviews:
        review.reviewer_person = reviewers[review.reviewer_id]
    return render(
        request,
        "audit/flags_reviewed.html",
        {"reviews": reviews, "next_before": next_before, "zone": zone_words()},
    )


@require_POST
def audit_flag_review(request):
    services.require_reviewer(request.user, "audit.flag_review")
    form = FlagReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a comment before marking a flag reviewed.")
        return redirect("audit_flags")
    services.review_flag(actor=request.user, **form.cleaned_data)
    messages.success(request, f"Event #{form.cleaned_data['seq']} marked reviewed.")
    return redirect("audit_flags")


@require_POST
def audit_verify(request):
    verdict = services.verify_now(actor=request.user)
    (messages.success if verdict.ok else messages.error)(request, str(verdict))
    return redirect("audit_log")
