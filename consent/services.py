"""Consent use cases: authorizations (prepare, send, sign, decline, revoke), the one
disclosure path through the consent gate, the separate path for disclosures the law
permits without authorization, delivery downloads, and the accounting of disclosures.

Every use case checks access, writes its audit event (changes: in the same transaction;
reads: before returning), and records refusals.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import audit
from audit.models import Outcome
from audit.services import refuse
from consent import gate, pdf
from consent.models import Authorization, Category, DeliveryLink, Disclosure, Invitation, LegalBasis
from consent.text import render_text, text_sha256
from practice.exceptions import NotFound, PermissionDenied
from practice.models import User
from practice.roles import Role
from records import selectors as records_selectors
from records.models import Client, PsychotherapyNote, SessionNote
from records.permissions import VIEW_CHART, WRITE_NOTES

ACCOUNTING_YEARS = 6


class ConsentDenied(PermissionDenied):
    """The gate refused a disclosure; `decision.reasons` says what is missing."""

    def __init__(self, decision: gate.Decision):
        super().__init__("; ".join(decision.reasons))
        self.decision = decision


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _client_for_staff(actor: User, record_number: str, perm: str, action: str) -> Client:
    client = records_selectors.client_for(actor, record_number, perm)
    if client is None:
        refuse(action, actor, object_type="client", object_id=record_number, reason="no access")
    return client


def _own_client(actor: User) -> Client | None:
    if actor.is_authenticated and actor.role == Role.CLIENT:
        return Client.objects.filter(user=actor).first()
    return None


def _authorization_for(actor: User, auth_id: int, action: str, *, for_client: bool) -> Authorization:
    """The client's own authorization (for_client) or one on a chart the staff member reads."""
    auth = Authorization.objects.select_related("client", "prepared_by").filter(pk=auth_id).first()
    allowed = False
    if auth is not None:
        if for_client:
            allowed = auth.client.user_id == actor.pk and actor.role == Role.CLIENT
        else:
            allowed = records_selectors.client_for(actor, auth.client.record_number, VIEW_CHART) is not None
    if not allowed:
        refuse(action, actor, object_type="authorization", object_id=auth_id, reason="no access")
    return auth


# --- Authorizations: the counselor's side ---------------------------------------------------
def authorization_prepare(*, actor: User, record_number: str, **fields) -> Authorization:
    """Rule: the client's assigned counselors prepare authorizations."""
    client = _client_for_staff(actor, record_number, WRITE_NOTES, "authorization.create")
    if fields.get("kind") == Authorization.Kind.PSYCHOTHERAPY_NOTES:
        fields["categories"] = []
    with transaction.atomic():
        auth = Authorization(client=client, prepared_by=actor, **fields)
        auth.full_clean()
        auth.save()
        audit.record(
            action="authorization.create", actor=actor, client=client, object_type="authorization", object_id=auth.pk
        )
    return auth


def authorization_send(*, actor: User, auth_id: int, request_base_url: str) -> Authorization:
    """Send a draft to the client: by email, with a one-time invitation when the client
    has no portal account yet."""
    auth = _authorization_for(actor, auth_id, "authorization.send", for_client=False)
    if records_selectors.client_for(actor, auth.client.record_number, WRITE_NOTES) is None:
        refuse(
            "authorization.send",
            actor,
            client=auth.client,
            object_type="authorization",
            object_id=auth_id,
            reason="not on the care team",
            not_found=False,
        )
    if auth.status != Authorization.Status.DRAFT:
        refuse(
            "authorization.send",
            actor,
            client=auth.client,
            object_type="authorization",
            object_id=auth_id,
            reason=f"already {auth.get_status_display().lower()}",
            not_found=False,
        )
    client = auth.client
    if not client.user_id and not client.email:
        raise PermissionDenied("The client has no email address on file; add one before sending.")
    with transaction.atomic():
        auth.status = Authorization.Status.PENDING
        auth.sent_at = timezone.now()
        auth.save(update_fields=["status", "sent_at"])
        link = request_base_url + reverse("portal_authorization", args=[auth.pk])
        if not client.user_id:
            token = secrets.token_urlsafe(32)
            Invitation.objects.create(
                client=client,
                token_sha256=_sha(token),
                created_by=actor,
                expires_at=timezone.now() + timedelta(days=14),
            )
            link = request_base_url + reverse("invitation_accept", args=[token])
        audit.record(
            action="authorization.send",
            actor=actor,
            client=client,
            object_type="authorization",
            object_id=auth.pk,
            reason="with invitation" if not client.user_id else "",
        )
        # Sent after the audit write, inside the transaction: a failed send rolls back.
        send_mail(
            f"{settings.PRACTICE_NAME}: a form is waiting for your signature",
            "A release-of-information form is waiting for you to read and sign.\n\n"
            f"Open it here: {link}\n\nNothing about your care is in this email.",
            None,
            [client.user.email if client.user_id else client.email],
        )
    return auth


def authorization_view(*, actor: User, auth_id: int, for_client: bool) -> tuple[Authorization, str]:
    """The authorization and the text to show: frozen once signed."""
    auth = _authorization_for(actor, auth_id, "authorization.view", for_client=for_client)
    if for_client and auth.status == Authorization.Status.DRAFT:
        refuse(
            "authorization.view",
            actor,
            client=auth.client,
            object_type="authorization",
            object_id=auth_id,
            reason="not sent yet",
        )
    audit.record(
        action="authorization.view", actor=actor, client=auth.client, object_type="authorization", object_id=auth.pk
    )
    return auth, (auth.signed_text if auth.signed_text else render_text(auth))


def authorization_pdf(*, actor: User, auth_id: int, for_client: bool) -> bytes:
    auth = _authorization_for(actor, auth_id, "authorization.download", for_client=for_client)
    if not auth.signed_text:
        raise NotFound("Only signed authorizations have a PDF.")
    audit.record(
        action="authorization.download", actor=actor, client=auth.client, object_type="authorization", object_id=auth.pk
    )
    return pdf.authorization_pdf(auth)


# --- Authorizations: the client's side --------------------------------------------------------
def authorization_sign(
    *,
    actor: User,
    auth_id: int,
    typed_name: str,
    agree: bool,
    shown_sha256: str,
    signature_image: str,
    ip: str | None,
    user_agent: str,
) -> Authorization:
    """Rule: only the client signs their own pending authorization, with their full name,
    an explicit agreement to sign electronically, and the hash of the exact text shown."""
    auth = _authorization_for(actor, auth_id, "authorization.sign", for_client=True)
    with transaction.atomic():
        auth = Authorization.objects.select_for_update().select_related("client", "prepared_by").get(pk=auth.pk)
        problem = None
        text = render_text(auth)
        if auth.status != Authorization.Status.PENDING:
            problem = f"this form is {auth.get_status_display().lower()}"
        elif not agree:
            problem = "you must agree to sign electronically"
        elif _norm_name(typed_name) not in _accepted_names(auth):
            problem = "type your full name exactly as shown on the form"
        elif shown_sha256 != text_sha256(text):
            problem = "the form changed while you were reading it; please read it again"
        elif signature_image and not signature_image.startswith("data:image/png;base64,"):
            problem = "the drawn signature could not be read"
        if problem is None:
            auth.status = Authorization.Status.SIGNED
            auth.signed_text = text
            auth.text_sha256 = text_sha256(text)
            auth.signed_name = " ".join(typed_name.split())
            auth.signature_image = signature_image[:400_000]
            auth.signed_at = timezone.now()
            auth.signed_ip = ip
            auth.signed_user_agent = user_agent[:300]
            auth.signed_by = actor
            auth.save()
            audit.record(
                action="authorization.sign",
                actor=actor,
                client=auth.client,
                object_type="authorization",
                object_id=auth.pk,
                reason=f"sha256={auth.text_sha256}",
            )
            return auth
    refuse(
        "authorization.sign",
        actor,
        client=auth.client,
        object_type="authorization",
        object_id=auth_id,
        reason=problem,
        not_found=False,
    )


def _norm_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def _accepted_names(auth: Authorization) -> set[str]:
    names = {_norm_name(f"{auth.client.first_name} {auth.client.last_name}")}
    if auth.representative_name:
        names.add(_norm_name(auth.representative_name))
    return names


def authorization_decline(*, actor: User, auth_id: int) -> Authorization:
    auth = _authorization_for(actor, auth_id, "authorization.decline", for_client=True)
    if auth.status != Authorization.Status.PENDING:
        refuse(
            "authorization.decline",
            actor,
            client=auth.client,
            object_type="authorization",
            object_id=auth_id,
            reason="not waiting for a signature",
            not_found=False,
        )
    with transaction.atomic():
        auth.status = Authorization.Status.DECLINED
        auth.declined_at = timezone.now()
        auth.save(update_fields=["status", "declined_at"])
        audit.record(
            action="authorization.decline",
            actor=actor,
            client=auth.client,
            object_type="authorization",
            object_id=auth.pk,
        )
    return auth


def authorization_revoke(*, actor: User, auth_id: int) -> Authorization:
    """Revocation takes effect at once: every delivery link issued under the
    authorization that has not been used up is voided in the same transaction."""
    auth = _authorization_for(actor, auth_id, "authorization.revoke", for_client=True)
    with transaction.atomic():
        auth = Authorization.objects.select_for_update().select_related("client").get(pk=auth.pk)
        if auth.status != Authorization.Status.SIGNED:
            problem = f"this form is {auth.get_status_display().lower()}"
        else:
            problem = None
            now = timezone.now()
            auth.status = Authorization.Status.REVOKED
            auth.revoked_at = now
            auth.revoked_by = actor
            auth.save(update_fields=["status", "revoked_at", "revoked_by"])
            voided = DeliveryLink.objects.filter(disclosure__authorization=auth, voided_at__isnull=True).update(
                voided_at=now, void_reason="authorization revoked"
            )
            audit.record(
                action="authorization.revoke",
                actor=actor,
                client=auth.client,
                object_type="authorization",
                object_id=auth.pk,
                reason=f"links voided={voided}",
            )
            return auth
    refuse(
        "authorization.revoke",
        actor,
        client=auth.client,
        object_type="authorization",
        object_id=auth_id,
        reason=problem,
        not_found=False,
    )


def invitation_accept(*, token: str, password: str) -> User:
    """A client sets a password from their one-time link; the link is then used up.
    Refusals are recorded before anything is locked, so they are kept."""
    invitation = Invitation.objects.select_related("client").filter(token_sha256=_sha(token)).first()
    if invitation is None or invitation.used_at or invitation.expires_at < timezone.now() or invitation.client.user_id:
        refuse(
            "invitation.accept",
            None,
            object_type="invitation",
            object_id=invitation.pk if invitation else "",
            reason="unknown, used or expired link",
        )
    client = invitation.client
    if User.objects.filter(username__iexact=client.email).exists():
        refuse(
            "invitation.accept",
            None,
            client=client,
            object_type="invitation",
            object_id=invitation.pk,
            reason="email already has an account",
            not_found=False,
        )
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.used_at:  # used by a concurrent request meanwhile
            raise NotFound("This link has already been used.")
        user = User(
            username=client.email.lower(),
            email=client.email,
            first_name=client.first_name,
            last_name=client.last_name,
            role=Role.CLIENT,
        )
        validate_password(password, user)
        user.set_password(password)
        user.save()
        client.user = user
        client.save(update_fields=["user"])
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        audit.record(
            action="invitation.accept", actor=user, client=client, object_type="invitation", object_id=invitation.pk
        )
    return user


def invitation_is_valid(token: str) -> bool:
    invitation = Invitation.objects.filter(token_sha256=_sha(token)).first()
    return bool(invitation and not invitation.used_at and invitation.expires_at >= timezone.now())


# --- Portal -----------------------------------------------------------------------------------
def portal_home(*, actor: User) -> dict:
    client = _own_client(actor)
    if client is None:
        refuse("portal.view", actor, object_type="client", object_id="", reason="no client record", not_found=False)
    audit.record(action="portal.view", actor=actor, client=client, object_type="client", object_id=client.pk)
    return {
        "client": client,
        "authorizations": list(
            client.authorizations.exclude(status=Authorization.Status.DRAFT).select_related("prepared_by")
        ),
    }


# --- Disclosures --------------------------------------------------------------------------------
def _package_sections(
    *, client: Client, actor: User, categories: set[str], start: date, end: date, psychotherapy_notes: bool
) -> list[tuple[str, list[str]]]:
    notes = list(
        SessionNote.objects.filter(client=client, status="signed", date_of_service__range=(start, end))
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
            # Kept outside this system for now (no structured records of this kind).
            sections.append((label, []))
    return sections


def _create_disclosure(
    *,
    actor,
    client,
    req: gate.DisclosureRequest,
    authorization,
    legal_basis: str,
    justification: str,
    purpose_detail: str,
    base_url: str,
) -> tuple[Disclosure, str]:
    now = timezone.now()
    disclosure = Disclosure(
        client=client,
        authorization=authorization,
        legal_basis=legal_basis,
        justification=justification,
        made_by=actor,
        made_at=now,
        recipient_name=req.recipient_name,
        recipient_organization=req.recipient_organization,
        recipient_email=req.recipient_email,
        categories=sorted(req.categories),
        information_from=req.information_from,
        information_to=req.information_to,
        purpose=req.purpose,
        purpose_detail=purpose_detail,
        includes_psychotherapy_notes=req.psychotherapy_notes,
        includes_substance_use=Category.SUBSTANCE_USE in req.categories,
    )
    sections = _package_sections(
        client=client,
        actor=actor,
        categories=set(req.categories),
        start=req.information_from,
        end=req.information_to,
        psychotherapy_notes=req.psychotherapy_notes,
    )
    document = pdf.package_pdf(disclosure=disclosure, client=client, sections=sections)
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
    with transaction.atomic():
        decision = gate.check(req, lock=True)
        if decision.allowed:
            disclosure, _ = _create_disclosure(
                actor=actor,
                client=client,
                req=req,
                authorization=decision.authorization,
                legal_basis="",
                justification="",
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
    raise ConsentDenied(decision)


def disclose_without_authorization(
    *,
    actor: User,
    record_number: str,
    legal_basis: str,
    justification: str,
    base_url: str,
    purpose_detail: str = "",
    **fields,
) -> Disclosure:
    """Disclosures the law permits without authorization (duty to warn, court order,
    mandated abuse report): an explicit legal basis and a written justification; the
    practice admins are told; the disclosure appears in the accounting."""
    client = _client_for_staff(actor, record_number, WRITE_NOTES, "disclosure.legal")
    if legal_basis not in LegalBasis.values or len(justification.strip()) < 20:
        raise PermissionDenied("Name the legal basis and write a justification of at least 20 characters.")
    req = gate.DisclosureRequest(client=client, **fields)
    with transaction.atomic():
        disclosure, _ = _create_disclosure(
            actor=actor,
            client=client,
            req=req,
            authorization=None,
            legal_basis=legal_basis,
            justification=justification.strip(),
            purpose_detail=purpose_detail,
            base_url=base_url,
        )
        audit.record(
            action="disclosure.legal",
            actor=actor,
            client=client,
            object_type="disclosure",
            object_id=disclosure.pk,
            reason=LegalBasis(legal_basis).label,
        )
        admins = list(User.objects.filter(role=Role.PRACTICE_ADMIN, is_active=True).values_list("email", flat=True))
        if admins:
            send_mail(
                f"{settings.PRACTICE_NAME}: disclosure without authorization",
                f"{actor} released records of client {client.record_number} without an authorization.\n"
                f"Legal basis: {LegalBasis(legal_basis).label}.\nReview it in the audit log (disclosure "
                f"#{disclosure.pk}).",
                None,
                admins,
            )
    return disclosure


def disclosure_cancel(*, actor: User, disclosure_id: int) -> None:
    disclosure = Disclosure.objects.select_related("client").filter(pk=disclosure_id).first()
    if disclosure is None or records_selectors.client_for(actor, disclosure.client.record_number, WRITE_NOTES) is None:
        refuse("disclosure.cancel", actor, object_type="disclosure", object_id=disclosure_id, reason="no access")
    with transaction.atomic():
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


def delivery_download(*, token: str, code: str) -> tuple[Disclosure, bytes]:
    """The recipient's download: right code, link not expired, voided or used up, and
    the authorization still in force at this moment. Every attempt is audited."""
    with transaction.atomic():
        link = (
            DeliveryLink.objects.select_for_update(of=("self",))
            .select_related("disclosure__client", "disclosure__authorization")
            .filter(token_sha256=_sha(token))
            .first()
        )
        if link is None:
            problem, client, object_id = "unknown link", None, ""
        else:
            disclosure = link.disclosure
            client, object_id = disclosure.client, disclosure.pk
            auth = disclosure.authorization
            problem = None
            if link.voided_at:
                problem = f"link voided ({link.void_reason})"
            elif link.expires_at < timezone.now():
                problem = "link expired"
            elif link.downloads >= link.max_downloads:
                problem = "download limit reached"
            elif auth is not None and not auth.is_active:
                problem = f"authorization no longer in force ({auth.state_label.lower()})"
                link.voided_at, link.void_reason = timezone.now(), "authorization not in force"
                link.save(update_fields=["voided_at", "void_reason"])
            elif not secrets.compare_digest(link.code_sha256, _sha(code.strip())):
                problem = "wrong access code"
                link.failed_codes += 1
                if link.failed_codes >= settings.DISCLOSURE_MAX_CODE_ATTEMPTS:
                    link.voided_at, link.void_reason = timezone.now(), "too many wrong codes"
                link.save(update_fields=["failed_codes", "voided_at", "void_reason"])
            if problem is None:
                link.downloads += 1
                link.save(update_fields=["downloads"])
                audit.record(
                    action="disclosure.download",
                    client=client,
                    object_type="disclosure",
                    object_id=object_id,
                    actor_username="recipient",
                )
                return disclosure, base64.b64decode(disclosure.package)
    audit.record(
        action="disclosure.download",
        outcome=Outcome.DENIED,
        client=client,
        object_type="disclosure",
        object_id=object_id,
        reason=problem,
        actor_username="recipient",
    )
    raise PermissionDenied(problem)


# --- Accounting of disclosures ------------------------------------------------------------------
def accounting(*, actor: User, record_number: str | None = None, purpose: str = "view") -> tuple[Client, list]:
    """45 CFR 164.528: every disclosure of the last six years with date, recipient,
    description and purpose. Rule: the client themself, or staff who read the chart."""
    action = f"accounting.{purpose}"
    if record_number is None:
        client = _own_client(actor)
        if client is None:
            refuse(action, actor, object_type="client", object_id="", reason="no client record", not_found=False)
    else:
        client = _client_for_staff(actor, record_number, VIEW_CHART, action)
    since = timezone.now() - timedelta(days=365 * ACCOUNTING_YEARS + 2)
    audit.record(action=action, actor=actor, client=client, object_type="client", object_id=client.pk)
    rows = list(Disclosure.objects.filter(client=client, made_at__gte=since).select_related("made_by").defer("package"))
    return client, rows


def accounting_pdf(*, actor: User, record_number: str | None = None) -> bytes:
    client, rows = accounting(actor=actor, record_number=record_number, purpose="print")
    return pdf.accounting_pdf(client=client, disclosures=rows)


def chart_consents(*, client: Client) -> dict:
    """For the chart page (already access-checked and audited by records.chart_view)."""
    return {
        "authorizations": list(client.authorizations.select_related("prepared_by")),
        "disclosures": list(client.disclosures.select_related("made_by", "link").defer("package")),
    }
