"""The record copy as a FHIR R4B JSON Bundle (type "collection"), built with the
fhir.resources models so that what we write is what the standard's validators accept:

- one Patient (record number, names, date of birth, contact details);
- one DocumentReference per signed session note (the note and its addenda as text/plain);
- one Consent per release-of-information form the client has been shown;
- one AuditEvent per entry of the client's "who accessed my record" page, in the same
  plain words (no IP addresses, no request ids);
- one Condition per diagnosis entry (ICD-10-CM), the replaced entries of its history
  included (marked as such in a note);
- one CarePlan per signed treatment-plan version (the current one active, earlier ones
  revoked), with a Goal per problem (its objectives as targets with due dates);
- one Observation per completed PHQ-9 or GAD-7 (LOINC total-score code, the score, its
  band as the interpretation, each item as a component).
"""

from __future__ import annotations

import base64
import uuid

from django.conf import settings
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient

from portal.history import Access
from portal.services import RecordCopy

RECORD_NUMBER_SYSTEM = "urn:practice-records:record-number"
AUDIT_ACTION_SYSTEM = "urn:practice-records:audit-action"
CATEGORY_SYSTEM = "urn:practice-records:release-category"
_NAMESPACE = uuid.UUID("6f1d3a52-7c4e-4f0e-9a55-0c6b0b7c2e11")

# Authorization state -> Consent.status
_CONSENT_STATUS = {"pending": "proposed", "signed": "active", "declined": "rejected", "revoked": "inactive"}
_AUDIT_OUTCOME = {"allowed": "0", "denied": "4", "error": "8"}


def _urn(kind: str, key) -> str:
    """A stable fullUrl: the same object gets the same one in every copy."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{settings.PRACTICE_NAME}|{kind}|{key}')}"


def _patient(copy: RecordCopy) -> Patient:
    c = copy.client
    names = [{"use": "official", "family": c.last_name, "given": [c.first_name]}]
    if c.preferred_name:
        names.append({"use": "usual", "family": c.last_name, "given": [c.preferred_name]})
    telecom = []
    if c.email:
        telecom.append({"system": "email", "value": c.email})
    if c.phone:
        telecom.append({"system": "phone", "value": c.phone})
    return Patient(
        id=c.record_number,
        identifier=[{"system": RECORD_NUMBER_SYSTEM, "value": c.record_number}],
        name=names,
        birthDate=c.date_of_birth,
        telecom=telecom or None,
        address=[{"text": c.address}] if c.address else None,
    )


def _note_text(note) -> str:
    parts = [f"{label}\n{text or '—'}" for label, text in note.labelled_sections()]
    for addendum in note.addenda.all():
        parts.append(f"Addendum by {addendum.author}, {addendum.signed_at.isoformat()}\n{addendum.text}")
    return "\n\n".join(parts)


def _document(note, patient_ref: str) -> DocumentReference:
    addenda = list(note.addenda.all())
    return DocumentReference(
        id=f"note-{note.pk}",
        status="current",
        docStatus="amended" if addenda else "final",
        type={"coding": [{"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"}]},
        subject={"reference": patient_ref},
        date=note.signed_at,
        author=[{"display": str(note.author)}],
        authenticator={"display": str(note.signed_by or note.author)},
        description=f"{note.get_service_type_display()}, {note.date_of_service:%B %d, %Y}, {note.duration_minutes} min",
        content=[
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "language": "en",
                    "data": base64.b64encode(_note_text(note).encode("utf-8")),
                    "title": f"Session note, {note.date_of_service:%Y-%m-%d}",
                    "creation": note.signed_at,
                }
            }
        ],
        context={"period": {"start": note.date_of_service, "end": note.date_of_service}},
    )


def _consent(auth, patient_ref: str) -> Consent:
    status = _CONSENT_STATUS.get(auth.status, "proposed")
    if auth.status == "signed" and auth.is_expired:
        status = "inactive"
    to = auth.recipient_name + (f", {auth.recipient_organization}" if auth.recipient_organization else "")
    codes = [{"coding": [{"system": CATEGORY_SYSTEM, "code": c, "display": label}]} for c, label in _categories(auth)]
    return Consent(
        id=f"authorization-{auth.pk}",
        status=status,
        scope={"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        category=[{"coding": [{"system": "http://loinc.org", "code": "64292-6", "display": "Release of information"}]}],
        patient={"reference": patient_ref},
        dateTime=auth.signed_at or auth.sent_at or auth.created_at,
        organization=[{"display": settings.PRACTICE_NAME}],
        policyRule={
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentpolicycodes", "code": "hipaa-auth"}]
        },
        provision={
            "type": "permit",
            "period": {"start": (auth.signed_at or auth.created_at).date(), "end": auth.revoked_at or auth.expires_on},
            "dataPeriod": {"start": auth.information_from, "end": auth.information_to},
            "actor": [
                {
                    "role": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "IRCP",
                                "display": "information recipient",
                            }
                        ]
                    },
                    "reference": {"display": to},
                }
            ],
            "code": codes or None,
        },
    )


def _categories(auth) -> list[tuple[str, str]]:
    if auth.kind == auth.Kind.PSYCHOTHERAPY_NOTES:
        return [("psychotherapy_notes", "Psychotherapy notes")]
    from consent.models import Category

    return [(c, Category(c).label) for c in auth.categories if c in Category.values]


def _audit_event(access: Access, patient_ref: str) -> AuditEvent:
    who = "You" if access.is_you else access.who
    return AuditEvent(
        id=f"access-{access.seq}",
        type={"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110", "display": "Patient Record"},
        subtype=[{"system": AUDIT_ACTION_SYSTEM, "code": access.action, "display": access.what}],
        recorded=access.at,
        outcome=_AUDIT_OUTCOME.get(access.outcome, "8"),
        outcomeDesc=access.sentence,
        agent=[
            {
                "who": {"display": who},
                "name": who,
                "requestor": True,
                "type": {"text": "the client" if access.is_you else (access.role or "system")},
            }
        ],
        source={"observer": {"display": settings.PRACTICE_NAME}},
        entity=[{"what": {"reference": patient_ref}, "description": access.what}],
        purposeOfEvent=(
            [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "ETREAT"}]}]
            if access.emergency
            else None
        ),
    )


ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
_CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_VERIFICATION = {
    "primary": "confirmed",
    "secondary": "confirmed",
    "provisional": "provisional",
    "rule_out": "differential",
}
# LOINC total-score codes of the two questionnaires.
_MEASURE_LOINC = {
    "phq9": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
    "gad7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"),
}


def _condition(d, patient_ref: str, replaced: bool) -> Condition:
    verification = "entered-in-error" if d.entered_in_error else _VERIFICATION[d.kind]
    fields = {}
    if not d.entered_in_error:
        fields["clinicalStatus"] = {
            "coding": [{"system": _CONDITION_CLINICAL, "code": "resolved" if d.resolved_date else "active"}]
        }
    notes = [f"{d.get_kind_display()} diagnosis."]
    if d.previous_id:
        notes.append(f"Replaces diagnosis entry {d.previous_id}.")
    if replaced:
        notes.append("Replaced by a later entry; kept as history.")
    return Condition(
        id=f"diagnosis-{d.pk}",
        verificationStatus={"coding": [{"system": _CONDITION_VERIFICATION, "code": verification}]},
        category=[
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "encounter-diagnosis",
                    }
                ]
            }
        ],
        code={"coding": [{"system": ICD10CM_SYSTEM, "code": d.code, "display": d.description}], "text": d.description},
        subject={"reference": patient_ref},
        onsetDateTime=d.onset_date,
        abatementDateTime=d.resolved_date,
        recordedDate=d.added_at,
        recorder={"display": str(d.added_by)},
        note=[{"text": " ".join(notes)}],
        **fields,
    )


def _goals(plan, patient_ref: str, active: bool) -> list[tuple[str, Goal]]:
    goals = []
    for n, problem in enumerate(plan.problems, start=1):
        goal = Goal(
            id=f"plan-{plan.pk}-goal-{n}",
            lifecycleStatus="active" if active else "cancelled",
            description={"text": problem.goal},
            subject={"reference": patient_ref},
            target=[{"measure": {"text": o.objective}, "dueDate": o.target_date} for o in problem.objectives] or None,
            addresses=None,
            note=[{"text": f"Problem: {problem.problem}"}],
        )
        goals.append((_urn("goal", f"{plan.pk}-{n}"), goal))
    return goals


def _care_plan(plan, patient_ref: str, goal_refs: list[str], active: bool) -> CarePlan:
    activities = [
        {"detail": {"status": "in-progress" if active else "stopped", "description": p.interventions}}
        for p in plan.problems
        if p.interventions
    ]
    return CarePlan(
        id=f"plan-{plan.pk}",
        status="active" if active else "revoked",
        intent="plan",
        title=f"Treatment plan, version {plan.version}",
        description="; ".join(p.problem for p in plan.problems) or None,
        subject={"reference": patient_ref},
        period={"start": plan.signed_at, "end": plan.review_date},
        created=plan.signed_at,
        author={"display": str(plan.signed_by)},
        goal=[{"reference": ref} for ref in goal_refs] or None,
        activity=activities or None,
        note=(
            [{"text": f"Acknowledged by the client on {plan.acknowledged_at.date().isoformat()}."}]
            if plan.acknowledged_at
            else None
        ),
    )


def _observation(m, patient_ref: str) -> Observation:
    from clinical.exports import measure_answers
    from clinical.instruments import INSTRUMENTS

    instrument = INSTRUMENTS[m.instrument]
    code, display = _MEASURE_LOINC[m.instrument]
    score = int(m.score)
    return Observation(
        id=f"measure-{m.pk}",
        status="final",
        category=[
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}]}
        ],
        code={"coding": [{"system": "http://loinc.org", "code": code, "display": display}], "text": instrument.name},
        subject={"reference": patient_ref},
        effectiveDateTime=m.completed_at,
        performer=[{"display": str(m.completed_by)}],
        valueInteger=score,
        interpretation=[{"text": instrument.band(score).label}],
        component=[
            {"code": {"text": f"{n}. {text}"}, "valueInteger": value}
            for n, (text, value, _label) in enumerate(measure_answers(m), start=1)
        ],
    )


def _clinical_entries(copy: RecordCopy, patient_url: str) -> list[dict]:
    entries = []
    replaced = {d.previous_id for d in copy.diagnoses if d.previous_id}
    entries += [
        {"fullUrl": _urn("diagnosis", d.pk), "resource": _condition(d, patient_url, d.pk in replaced)}
        for d in copy.diagnoses
    ]
    for i, plan in enumerate(copy.plans):
        active = i == len(copy.plans) - 1
        goals = _goals(plan, patient_url, active)
        entries += [{"fullUrl": url, "resource": goal} for url, goal in goals]
        entries.append(
            {"fullUrl": _urn("plan", plan.pk), "resource": _care_plan(plan, patient_url, [u for u, _ in goals], active)}
        )
    entries += [{"fullUrl": _urn("measure", m.pk), "resource": _observation(m, patient_url)} for m in copy.measures]
    return entries


def record_bundle(copy: RecordCopy) -> Bundle:
    patient_url = _urn("patient", copy.client.record_number)
    entries = [{"fullUrl": patient_url, "resource": _patient(copy)}]
    entries += [{"fullUrl": _urn("note", n.pk), "resource": _document(n, patient_url)} for n in copy.notes]
    entries += [
        {"fullUrl": _urn("authorization", a.pk), "resource": _consent(a, patient_url)} for a in copy.authorizations
    ]
    entries += _clinical_entries(copy, patient_url)
    entries += [{"fullUrl": _urn("access", a.seq), "resource": _audit_event(a, patient_url)} for a in copy.accesses]
    return Bundle(
        id=str(uuid.uuid4()),
        type="collection",
        timestamp=copy.produced_at,
        identifier={"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
        entry=entries,
    )


def record_bundle_json(copy: RecordCopy) -> str:
    return record_bundle(copy).model_dump_json(indent=2)
