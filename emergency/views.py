"""Thin views over emergency.services."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from emergency import services
from emergency.forms import EmergencyOpenForm, EmergencyReviewForm


def emergency_open(request):
    form = EmergencyOpenForm(request.POST or None, initial={"record_number": request.GET.get("client", "")[:12]})
    if request.method == "POST":
        if form.is_valid():
            try:
                access = services.emergency_open(actor=request.user, **form.cleaned_data)
            except services.EmergencyRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.warning(request, "Emergency access opened. It is read-only and every page you open is logged.")
                return redirect("chart", record_number=access.client.record_number)
        else:
            # Refused for want of a reason: still recorded.
            services.record_incomplete_attempt(actor=request.user, record_number=request.POST.get("record_number", ""))
        return render(request, "emergency/open.html", {"form": form}, status=400)
    services.require_clinician(actor=request.user)
    return render(request, "emergency/open.html", {"form": form})


@require_POST
def emergency_end(request, access_id):
    services.emergency_end(actor=request.user, access_id=access_id)
    messages.success(request, "Emergency access ended.")
    return redirect("caseload")


def emergency_queue(request):
    from urllib.parse import urlencode

    from audit.people import staff_person
    from audit.words import zone_words

    accesses = list(services.review_queue(actor=request.user))
    for access in accesses:
        # Named as the audit log names people; its events are the emergency.* ones of
        # this person on this client.
        access.person = staff_person(access.user)
        access.reviewer_person = staff_person(access.reviewed_by) if access.reviewed_by_id else None
        access.log_query = urlencode({"actor": access.user_id, "client": access.client_record, "action": "emergency."})
    return render(
        request, "emergency/queue.html", {"accesses": accesses, "form": EmergencyReviewForm(), "zone": zone_words()}
    )


@require_POST
def emergency_review(request, access_id):
    form = EmergencyReviewForm(request.POST)
    if not form.is_valid():
        services.review_queue(actor=request.user)  # the reviewer check, and audited
        messages.error(request, "Choose acknowledge or escalate and write a comment.")
        return redirect("emergency_queue")
    services.emergency_review(actor=request.user, access_id=access_id, **form.cleaned_data)
    messages.success(request, f"Emergency access #{access_id} reviewed.")
    return redirect("emergency_queue")
