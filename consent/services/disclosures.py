"""Disclosures, every one through the consent gate: with an authorization (share), under a
legal basis (disclose_without_authorization, then a second person's approval where the
bases say so: consent.services.approvals), cancellation."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

import audit
from audit.models import Outcome
from audit.services import refuse
from consent import gate, pdf
from consent.models import Category, DeliveryLink, Disclosure, LegalRequest
from consent.services._common import ConsentDenied, _client_for_staff, _sha
from practice import selectors as practice_selectors
from practice.models import User
from records import selectors as records_selectors
from records.models import Client, PsychotherapyNote
from records.permissions import WRITE_NOTES


# --- Disclosures --------------------------------------------------------------------------------
def _package_sections(
    *, client: Client, actor: User, categories: set[str], start: date, end: date, psychotherapy_notes: bool
) -> list[tuple[str, list[str]]]:
    # Signed notes only, and a pre-licensed counselor's only once co-signed: a note
    # waiting for its supervisor is left out, and the package says how many were.
    notes = list(
        records_selectors.disclosable_notes(client, start, end)
        .select_related("author")
        .prefetch_related("addenda")
        .order_by("date_of_service")
    )
    sections: list[tuple[str, list[str]]] = []
    if psychotherapy_notes:
        pnotes = PsychotherapyNote.objects.filter(client=client, author=actor, date_of_service__range=(start, end))
        sections.append(("Psychotherapy notes", [f"{p.date_of_service:%B %d, %Y}: {p.text}" for p in pnotes]))
        return sections
    for category in Category.values:
        if category not in categories:
            continue
        label = Category(category).label
        if category == Category.ATTENDANCE:
            sections.append(
                (
                    label,
                    [
                        f"{n.date_of_service:%B %d, %Y} — {n.get_service_type_display()}, {n.duration_minutes} minutes"
                        for n in notes
                    ],
                )
            )
        elif category == Category.PROGRESS_NOTES:
            paragraphs = []
            for n in notes:
                body = "\n".join(f"{lbl}: {txt}" for lbl, txt in n.labelled_sections() if txt)
                paragraphs.append(
                    f"{n.date_of_service:%B %d, %Y} — {n.get_service_type_display()} "
                    f"({n.author}, signed {timezone.localtime(n.signed_at):%b %d, %Y})\n{body}"
                )
                paragraphs += [
                    f"Addendum ({a.author}, {timezone.localtime(a.signed_at):%b %d, %Y}): {a.text}"
                    for a in n.addenda.all()
                ]
            sections.append((label, paragraphs))
        else:
            # Diagnoses, treatment plans, assessments and discharge summaries come from
            # the clinical record (clinical.exports); substance-use information is kept
            # outside this system for now (no structured records of this kind).
            from clinical.exports import package_paragraphs

            sections.append((label, package_paragraphs(client, category, start, end) or []))
    if categories & NOTE_CATEGORIES:
        withheld = records_selectors.withheld_for_cosign(client, start, end)
        if withheld:
            sections.append(("Not included: awaiting co-signature", [withheld_sentence(withheld)]))
    return sections


# The categories a session note can fall under (its date, its text, an intake, a
# discharge summary): a note left out for want of a co-signature concerns these.
NOTE_CATEGORIES = frozenset(
    {Category.ATTENDANCE, Category.PROGRESS_NOTES, Category.ASSESSMENTS, Category.DISCHARGE_SUMMARY}
)


def withheld_sentence(count: int) -> str:
    """How the package and the share page say that notes were left out."""
    notes = "note" if count == 1 else "notes"
    verb = "awaits" if count == 1 else "await"
    return (
        f"{count} signed {notes} of this period, written by a pre-licensed counselor, {verb} the supervisor's "
        "co-signature and {} not included.".format("is" if count == 1 else "are")
    )


def _disclosure_draft(
    *,
    actor,
    client,
    req: gate.DisclosureRequest,
    authorization,
    purpose_detail: str,
) -> Disclosure:
    """The disclosure record as it will be made (unsaved): the release saves it, the
    preview describes it."""
    return Disclosure(
        client=client,
        authorization=authorization,
        legal_basis=req.legal_basis if authorization is None else "",
        justification=" ".join(req.justification.split()) if authorization is None else "",
        made_by=actor,
        made_at=timezone.now(),
        recipient_name=req.recipient_name,
        recipient_organization=req.recipient_organization,
        recipient_email=req.recipient_email,
        categories=sorted(req.categories),
        information_from=req.information_from,
        information_to=req.information_to,
        purpose=req.purpose,
        purpose_detail=purpose_detail,
        includes_psychotherapy_notes=req.psychotherapy_notes,
        includes_substance_use=req.part2,
    )


def _create_disclosure(
    *,
    actor,
    client,
    req: gate.DisclosureRequest,
    authorization,
    purpose_detail: str,
    base_url: str,
    legal: LegalRequest | None = None,
) -> tuple[Disclosure, str]:
    """The record of what leaves, its package and its link, and the two emails. `actor`
    is who releases it: for a legal-basis release, the clinician who asked (an approving
    admin never authors the package)."""
    disclosure = _disclosure_draft(
        actor=actor,
        client=client,
        req=req,
        authorization=authorization,
        purpose_detail=purpose_detail,
    )
    now = disclosure.made_at
    sections = _package_sections(
        client=client,
        actor=actor,
        categories=set(req.categories),
        start=req.information_from,
        end=req.information_to,
        psychotherapy_notes=req.psychotherapy_notes,
    )
    document = pdf.package_pdf(disclosure=disclosure, client=client, sections=sections, legal=legal)
    disclosure.package = base64.b64encode(document).decode("ascii")
    disclosure.package_sha256 = hashlib.sha256(document).hexdigest()
    disclosure.save()
    token, code = secrets.token_urlsafe(32), f"{secrets.randbelow(10**8):08d}"
    DeliveryLink.objects.create(
        disclosure=disclosure,
        token_sha256=_sha(token),
        code_sha256=_sha(code),
        expires_at=now + timedelta(days=settings.DISCLOSURE_LINK_DAYS),
        max_downloads=settings.DISCLOSURE_MAX_DOWNLOADS,
    )
    link = base_url + reverse("delivery_download", args=[token])
    # Two separate messages: the link, and the code that opens it.
    send_mail(
        f"{settings.PRACTICE_NAME}: records released to you",
        f"Records have been released to you by {settings.PRACTICE_NAME}.\n\nDownload them here: {link}\n\n"
        f"You will need the access code sent to you in a separate message. The link expires in "
        f"{settings.DISCLOSURE_LINK_DAYS} days.",
        None,
        [req.recipient_email],
    )
    send_mail(
        f"{settings.PRACTICE_NAME}: access code",
        f"Your access code for the records released to you is: {code}",
        None,
        [req.recipient_email],
    )
    return disclosure, code


def share(
    *,
    actor: User,
    record_number: str,
    request: gate.DisclosureRequest | None = None,
    base_url: str,
    purpose_detail: str = "",
    **fields,
) -> Disclosure:
    """The only path for an authorized disclosure: the gate decides, at this moment."""
    client = _client_for_staff(actor, record_number, WRITE_NOTES, "disclosure.share")
    req = request or gate.DisclosureRequest(client=client, **fields)
    if req.legal_basis:
        # Security note: the authorized path never decides a legal basis; that has its own
        # service, its own checks and its own record.
        raise ValueError("share() takes no legal basis: use disclose_without_authorization")
    if req.psychotherapy_notes and not PsychotherapyNote.objects.filter(client=client, author=actor).exists():
        refuse(
            "disclosure.share",
            actor,
            client=client,
            object_type="client",
            object_id=client.pk,
            reason="only the author of psychotherapy notes may release them",
            not_found=False,
        )
    with audit.writing():
        decision = gate.check(req, lock=True)
        if decision.allowed:
            disclosure, _ = _create_disclosure(
                actor=actor,
                client=client,
                req=req,
                authorization=decision.authorization,
                purpose_detail=purpose_detail,
                base_url=base_url,
            )
            audit.record(
                action="disclosure.share",
                actor=actor,
                client=client,
                object_type="disclosure",
                object_id=disclosure.pk,
                reason=f"authorization #{decision.authorization.pk}",
            )
            return disclosure
    audit.record(
        action="disclosure.share",
        actor=actor,
        outcome=Outcome.DENIED,
        client=client,
        object_type="client",
        object_id=client.pk,
        reason="; ".join(decision.reasons)[:500],
    )
    raise ConsentDenied(decision, request=req)


def disclose_without_authorization(
    *,
    actor: User,
    record_number: str,
    legal_basis: str,
    justification: str,
    base_url: str,
    purpose_detail: str = "",
    court_name: str = "",
    court_date: date | None = None,
    court_reference: str = "",
    **fields,
) -> LegalRequest:
    """A disclosure the law permits without the client's authorization. Rule: the care
    team asks, naming a basis from the fixed list (consent.bases) and why; the consent
    gate decides, as for every disclosure. Psychotherapy notes and 42 CFR Part 2 records
    then wait for a practice admin other than the requester (legal_request_approve),
    except under a serious and imminent threat, which goes at once and is flagged for
    review. The practice admins are told either way; a refusal is one denied event."""
    client = _client_for_staff(actor, record_number, WRITE_NOTES, "disclosure.legal")
    req = gate.DisclosureRequest(
        client=client,
        legal_basis=legal_basis,
        justification=justification,
        court_name=court_name,
        court_date=court_date,
        court_reference=court_reference,
        **fields,
    )
    if req.psychotherapy_notes and not PsychotherapyNote.objects.filter(client=client, author=actor).exists():
        refuse(
            "disclosure.legal",
            actor,
            client=client,
            object_type="client",
            object_id=client.pk,
            reason="only the author of psychotherapy notes may release them",
            not_found=False,
        )
    with audit.writing():
        decision = gate.check(req, lock=True)
        if decision.allowed:
            legal = LegalRequest(
                client=client,
                requested_by=actor,
                requested_at=timezone.now(),
                legal_basis=req.legal_basis,
                justification=" ".join(req.justification.split()),
                court_name=req.court_name.strip() if decision.basis.court_details else "",
                court_date=req.court_date if decision.basis.court_details else None,
                court_reference=req.court_reference.strip() if decision.basis.court_details else "",
                recipient_name=req.recipient_name,
                recipient_organization=req.recipient_organization,
                recipient_email=req.recipient_email,
                categories=sorted(req.categories),
                information_from=req.information_from,
                information_to=req.information_to,
                purpose=req.purpose,
                purpose_detail=purpose_detail,
                includes_psychotherapy_notes=req.psychotherapy_notes,
                includes_part2=req.part2,
                needs_approval=decision.needs_approval,
                status=LegalRequest.Status.PENDING,
            )
            if decision.needs_approval:
                legal.save()
                audit.record(
                    action="disclosure.legal_request",
                    actor=actor,
                    client=client,
                    object_type="legal_request",
                    object_id=legal.pk,
                    reason=f"{legal.legal_basis}: waits for a practice admin's approval",
                )
                _tell_admins(
                    legal,
                    f"{actor} asks to release records of client {client.record_number} without an authorization "
                    f"({legal.basis_text()}). Nothing is sent until another practice admin approves it: "
                    f"{base_url}{reverse('legal_approvals')}",
                )
                return legal
            disclosure, _ = _create_disclosure(
                actor=actor,
                client=client,
                req=req,
                authorization=None,
                purpose_detail=purpose_detail,
                base_url=base_url,
                legal=legal,
            )
            legal.status, legal.disclosure = LegalRequest.Status.RELEASED, disclosure
            legal.save()
            at_once = req.psychotherapy_notes or req.part2
            audit.record(
                action="disclosure.legal",
                actor=actor,
                client=client,
                object_type="disclosure",
                object_id=disclosure.pk,
                reason=f"{legal.legal_basis} ({decision.basis.citation}); request #{legal.pk}"
                + ("; released at once without approval: serious and imminent threat" if at_once else ""),
            )
            _tell_admins(
                legal,
                f"{actor} released records of client {client.record_number} without an authorization.\n"
                f"Legal basis: {legal.basis_text()}.\nReview it in the audit log (disclosure #{disclosure.pk}).",
            )
            return legal
    audit.record(
        action="disclosure.legal",
        actor=actor,
        outcome=Outcome.DENIED,
        client=client,
        object_type="client",
        object_id=client.pk,
        reason=f"{req.legal_basis}: " + "; ".join(decision.reasons),
    )
    raise ConsentDenied(decision, request=req)


def _tell_admins(legal: LegalRequest, body: str) -> None:
    """The practice admins are told of every disclosure without authorization (no
    clinical content, no names: the record number and the basis)."""
    admins = practice_selectors.practice_admin_emails()
    if admins:
        subject = (
            "a disclosure without authorization waits for approval"
            if legal.status == LegalRequest.Status.PENDING
            else "disclosure without authorization"
        )
        send_mail(f"{settings.PRACTICE_NAME}: {subject}", body, None, admins)


def disclosure_cancel(*, actor: User, disclosure_id: int, record_number: str | None = None) -> None:
    """Void a disclosure's download links. Rule: the client's care team; when the page
    names a client (the URL does), the disclosure must be that client's."""
    disclosure = (
        Disclosure.objects.select_related("client").filter(pk=disclosure_id).first()
        if records_selectors.possible_id(disclosure_id)
        else None
    )
    if (
        disclosure is None
        or (record_number is not None and disclosure.client.record_number != record_number)
        or records_selectors.client_for(actor, disclosure.client.record_number, WRITE_NOTES) is None
    ):
        refuse("disclosure.cancel", actor, object_type="disclosure", object_id=disclosure_id, reason="no access")
    with audit.writing():
        voided = DeliveryLink.objects.filter(disclosure=disclosure, voided_at__isnull=True).update(
            voided_at=timezone.now(), void_reason="cancelled"
        )
        audit.record(
            action="disclosure.cancel",
            actor=actor,
            client=disclosure.client,
            object_type="disclosure",
            object_id=disclosure.pk,
            reason=f"links voided={voided}",
        )
