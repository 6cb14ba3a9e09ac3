"""Thin views: validate, call one service, render. Every read of client data is a
service call that checks access and writes its audit event."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from records import services
from records.forms import (
    AddendumForm,
    AssignForm,
    ClientForm,
    ClientStatusForm,
    NoteForm,
    PsychotherapyNoteForm,
    ReturnForm,
    SearchForm,
    SignNoteForm,
)
from records.models import NoteTemplate


def _search_form(request) -> SearchForm:
    """The search box's words come by POST: in a query string they would stay in the
    browser's history and in any web server's access log, where the audit keeps only
    their keyed digest (README, "Client search")."""
    return SearchForm(request.POST if request.method == "POST" and "q" in request.POST else None)


def caseload(request):
    form = _search_form(request)
    form.fields["q"].help_text = "Name, preferred name, record number or date of birth (YYYY-MM-DD)."
    if query := form.query():
        context = services.caseload_search(actor=request.user, query=query)
    else:
        context = services.caseload_view(actor=request.user, after=request.GET.get("after"))
        from clinical.selectors import reviews_due

        # Read under the caseload.view event above: the user's own clients.
        context["reviews_due"] = list(reviews_due(request.user))
        context["today"] = timezone.localdate()
    return render(request, "records/caseload.html", {**context, "search_form": form})


def _timeline_cursor(value: str | None):
    """The chart's page cursor, `YYYY-MM-DD_<id>`; anything else is the first page."""
    import re
    from datetime import date

    from records.selectors import possible_id

    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})_(\d{1,19})", value or "", flags=re.ASCII)
    if not match:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    note_id = int(match[4])
    return (day, note_id) if possible_id(note_id) else None


def chart(request, record_number):
    before = _timeline_cursor(request.GET.get("before"))
    context = services.chart_view(actor=request.user, record_number=record_number, before=before)
    context["templates"] = NoteTemplate.choices
    if context["can_write"]:
        from consent.services import chart_consents

        context["consents"] = chart_consents(client=context["client"])
    from retention.services import client_retention

    context["retention"] = client_retention(context["client"])
    from clinical.selectors import chart_summary

    context["clinical"] = chart_summary(context["client"])
    return render(request, "records/chart.html", context)


def note_create(request, record_number):
    template = request.GET.get("template") or request.POST.get("template") or NoteTemplate.SOAP
    if template not in NoteTemplate.values:
        template = NoteTemplate.SOAP
    client = services.client_for_writing(actor=request.user, record_number=record_number)
    # A discharge summary is dated the day care ended.
    day = client.discharged_on if template == NoteTemplate.DISCHARGE and client.discharged_on else timezone.localdate()
    form = NoteForm(request.POST or None, template=template, initial={"date_of_service": day})
    if request.method == "POST" and form.is_valid():
        note = services.note_create(actor=request.user, record_number=record_number, **form.service_kwargs())
        if request.POST.get("action") == "sign":
            return _to_sign_confirmation(note)
        messages.success(request, "Draft saved.")
        return redirect("note_edit", note_id=note.pk)
    return render(request, "records/note_form.html", {"form": form, "client": client, "note": None})


def note_edit(request, note_id):
    if request.method == "POST":
        # A change is checked before the note is read, so that a refused edit is one
        # denied event (not a view and a refusal). A signed note: refused with a message,
        # never silently dropped; not the author, or no access: 403/404.
        try:
            services.require_editable_draft(actor=request.user, note_id=note_id)
        except services.NoteLocked as exc:
            messages.error(request, str(exc))
            return redirect("note_detail", note_id=note_id)
    note = services.note_view(actor=request.user, note_id=note_id)
    if note.is_signed or note.author_id != request.user.pk:
        return redirect("note_detail", note_id=note.pk)
    form = NoteForm(request.POST or None, template=note.template, initial=NoteForm.initial_from(note))
    if request.method == "POST" and form.is_valid():
        signing = request.POST.get("action") == "sign"
        if signing and form.unchanged_from(note):
            return _to_sign_confirmation(note)
        try:
            # "Save and sign": what is on screen is saved first, so a signature never
            # locks an older text than the one the author was looking at.
            note = services.note_update(
                actor=request.user, note_id=note.pk, version=form.cleaned_data["version"], **form.service_kwargs()
            )
        except services.StaleDraft as exc:
            # The typed text stays in the form; the latest version opens in another tab.
            form.add_error(None, str(exc))
            context = {"form": form, "client": note.client, "note": note, "stale": True}
            return render(request, "records/note_form.html", context, status=409)
        except services.NoteLocked as exc:
            messages.error(request, str(exc))
            return redirect("note_detail", note_id=note.pk)
        if signing:
            return _to_sign_confirmation(note)
        messages.success(request, "Draft saved.")
        return redirect("note_edit", note_id=note.pk)
    return render(request, "records/note_form.html", {"form": form, "client": note.client, "note": note})


def note_detail(request, note_id):
    note = services.note_view(actor=request.user, note_id=note_id)
    return _note_page(request, note)


def _note_page(request, note, *, status: int = 200, addendum_form=None, return_form=None):
    from records.selectors import note_returns

    returns = note_returns(note)
    context = {
        "note": note,
        "returns": returns,
        "open_return": next((r for r in returns if r.is_open), None),
        "addendum_form": addendum_form or AddendumForm(),
        "return_form": return_form or ReturnForm(),
    }
    return render(request, "records/note_detail.html", context, status=status)


def note_print(request, note_id):
    note = services.note_view(actor=request.user, note_id=note_id, purpose="print")
    return render(request, "records/note_print.html", {"note": note})


def _to_sign_confirmation(note):
    return redirect(f"{reverse('note_sign', args=[note.pk])}?version={note.version}")


def note_sign(request, note_id):
    """GET: what a signature will lock (the draft as saved: each section), and the button
    that signs exactly that version. POST: sign the version the confirmation showed; a
    draft saved elsewhere since is not signed unseen (the editor says so)."""
    if request.method == "POST":
        if not request.POST.get("version"):
            # Nothing is signed without its confirmation: ask first.
            services.require_signable_draft(actor=request.user, note_id=note_id)
            return redirect("note_sign", note_id=note_id)
        form = SignNoteForm(request.POST)
        # A malformed version counts as stale (0 matches no version): nothing is signed unseen.
        version = (form.cleaned_data["version"] if form.is_valid() else None) or 0
        try:
            note = services.note_sign(actor=request.user, note_id=note_id, version=version)
        except services.StaleDraft as exc:
            messages.error(request, str(exc))
            return redirect("note_edit", note_id=note_id)
        done = "Note signed. It can no longer be changed; corrections are addenda."
        if note.needs_cosign:
            done += " It now waits for your supervisor's co-signature."
        messages.success(request, done)
        return redirect("note_detail", note_id=note_id)
    try:
        note = services.note_sign_review(actor=request.user, note_id=note_id)
    except services.NoteLocked as exc:
        messages.error(request, str(exc))
        return redirect("note_detail", note_id=note_id)
    asked = request.GET.get("version")
    context = {"note": note, "changed_elsewhere": asked is not None and asked != str(note.version)}
    return render(request, "records/note_sign.html", context)


@require_POST
def note_cosign(request, note_id):
    try:
        services.note_cosign(actor=request.user, note_id=note_id)
    except services.NoteLocked as exc:
        messages.error(request, str(exc))
        return redirect("note_detail", note_id=note_id)
    messages.success(request, "Note co-signed.")
    return redirect("note_detail", note_id=note_id)


@require_POST
def note_return(request, note_id):
    """A supervisor returns a note for revision, with a comment for its author."""
    form = ReturnForm(request.POST)
    if not form.is_valid():
        note = services.note_view(actor=request.user, note_id=note_id)
        return _note_page(request, note, status=400, return_form=form)
    try:
        services.note_return(actor=request.user, note_id=note_id, comment=form.cleaned_data["comment"])
    except services.NoteLocked as exc:
        messages.error(request, str(exc))
        return redirect("note_detail", note_id=note_id)
    messages.success(
        request, "Returned to its author for revision, with your comment. It comes back to you once answered."
    )
    return redirect("note_detail", note_id=note_id)


@require_POST
def addendum_create(request, note_id):
    form = AddendumForm(request.POST)
    if not form.is_valid():
        note = services.note_view(actor=request.user, note_id=note_id)
        return _note_page(request, note, status=400, addendum_form=form)
    addendum = services.addendum_create(actor=request.user, note_id=note_id, text=form.cleaned_data["text"])
    if hasattr(addendum, "answered_return"):
        messages.success(request, "Revision signed and added. The note is back with your supervisor for co-signature.")
    else:
        messages.success(request, "Addendum signed and added.")
    return redirect("note_detail", note_id=note_id)


def psychotherapy_note_create(request, record_number):
    client = services.client_for_writing(actor=request.user, record_number=record_number, action="pnote.compose")
    form = PsychotherapyNoteForm(request.POST or None, initial={"date_of_service": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        note = services.psychotherapy_note_create(actor=request.user, record_number=record_number, **form.cleaned_data)
        return redirect("psychotherapy_note_detail", note_id=note.pk)
    return render(request, "records/pnote_form.html", {"form": form, "client": client})


def psychotherapy_note_detail(request, note_id):
    note = services.psychotherapy_note_view(actor=request.user, note_id=note_id)
    return render(request, "records/pnote_detail.html", {"note": note})


# --- Practice admin ---------------------------------------------------------------------
def admin_clients(request):
    from retention.selectors import current_policy, retention_date

    form = _search_form(request)
    context = {"search_form": form}
    if query := form.query():
        context.update(services.admin_client_search(actor=request.user, query=query))
        clients = context["results"]
    else:
        after = request.GET.get("after")
        clients, next_after = services.client_list_for_admin(actor=request.user, after=after)
        context.update(next_after=next_after, after=after)
    policy = current_policy()
    for client in clients:
        client.retain_until = retention_date(client, policy)
    return render(request, "records/admin_clients.html", {**context, "clients": clients, "policy": policy})


def admin_client_create(request):
    services.require_admin(request.user, "client.create")
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        client = services.client_create(actor=request.user, **form.cleaned_data)
        messages.success(request, f"Client {client.record_number} registered.")
        return redirect("admin_client_assignments", record_number=client.record_number)
    return render(request, "records/admin_client_form.html", {"form": form})


def admin_client_assignments(request, record_number):
    services.require_admin(request.user, "assignment.view")
    form = AssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.assign(actor=request.user, record_number=record_number, **form.cleaned_data)
        messages.success(request, "Assignment saved. Access changed at once.")
        return redirect("admin_client_assignments", record_number=record_number)
    client = services.client_for_admin(actor=request.user, record_number=record_number)
    assignments = client.assignments.select_related("counselor", "assigned_by").order_by("-started_at")
    return render(
        request, "records/admin_assignments.html", {"client": client, "form": form, "assignments": assignments}
    )


@require_POST
def admin_unassign(request, record_number, user_id):
    services.unassign(actor=request.user, record_number=record_number, counselor_id=user_id)
    messages.success(request, "Assignment ended. Access removed at once.")
    return redirect("admin_client_assignments", record_number=record_number)


def client_status(request, record_number):
    """Discharge or readmit, asked first: GET shows what it means (and asks the date of
    a discharge), the form posts the change. Works without JavaScript."""
    form = ClientStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        discharged = form.cleaned_data["discharged"]
        try:
            client = services.client_set_status(
                actor=request.user, record_number=record_number, discharged=discharged, on=form.cleaned_data["on"]
            )
        except services.StatusRefused as exc:
            return _status_page(request, exc.client, form, status=400, problem=str(exc))
        if discharged:
            messages.success(request, f"Client discharged on {client.discharged_on:%b %-d, %Y}. The record is kept.")
        else:
            messages.success(request, "Client readmitted: in active care again.")
        if request.user.is_practice_admin:
            return redirect("admin_clients")
        return redirect("chart", record_number=record_number)
    client = services.client_status_review(actor=request.user, record_number=record_number)
    return _status_page(request, client, form, status=400 if request.method == "POST" else 200)


def _status_page(request, client, form, *, status: int, problem: str = ""):
    from retention.services import client_retention

    discharging = client.status == client.Status.ACTIVE
    asked = form.cleaned_data.get("discharged") if form.is_bound and hasattr(form, "cleaned_data") else None
    if not form.is_bound or (asked is not None and asked != discharging):
        # A first visit, or a page made stale by a change elsewhere: a fresh form for
        # what can be done now.
        form = ClientStatusForm(initial={"discharged": "1" if discharging else "0", "on": timezone.localdate()})
    context = {
        "client": client,
        "form": form,
        "discharging": discharging,
        "problem": problem,
        "retention": client_retention(client),
    }
    return render(request, "records/client_status.html", context, status=status)
