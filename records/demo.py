"""Demo clients and notes: fictional people and invented clinical text only."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from practice.models import User
from records import services
from records.models import Client, SessionNote

DEMO_CLIENTS = [
    # first, last, year of birth, counselor username, minor
    ("Alex", "Whitfield", 1988, "casey.counselor", False),
    ("Bea", "Lorenzo", 1995, "casey.counselor", False),
    ("Cal", "Nguyen", 2011, "casey.counselor", True),
    ("Dee", "Okonkwo", 1979, "casey.counselor", False),
    ("Eli", "Park", 2001, "jordan.counselor", False),
    ("Fran", "Dubois", 1966, "jordan.counselor", False),
    ("Gus", "Halvorsen", 1992, "jordan.counselor", False),
    ("Hana", "Ibrahim", 1999, "jordan.counselor", False),
    ("Ivo", "Kowalski", 1983, "riley.counselor", False),
    ("Jo", "Martins", 2009, "riley.counselor", True),
    ("Kit", "Fairweather", 1990, "riley.counselor", False),
    ("Lou", "Sørensen", 1975, "sam.supervisor", False),
]

SOAP_TEXT = [
    {
        "subjective": "Reports sleeping better since last session; work stress still high on Mondays.",
        "objective": "Alert, engaged, affect congruent. Arrived on time.",
        "assessment": "Anxiety symptoms decreasing; coping skills used twice this week.",
        "plan": "Continue weekly CBT. Practise the breathing exercise before meetings.",
    },
    {
        "subjective": "Describes an argument with a sibling and feeling 'stuck'.",
        "objective": "Tearful at times, able to re-engage with grounding.",
        "assessment": "Mood low but stable; no safety concerns voiced.",
        "plan": "Explore values worksheet next session.",
    },
]


INTAKE_TEXT = [
    {
        "presenting_problem": "Worry about work that keeps them awake; 'my mind won't switch off' "
        "since a new manager in spring.",
        "history": "No earlier counseling. Mother treated for anxiety. Two coffees a day, alcohol at weekends only.",
        "mental_status": "Alert and oriented, casually dressed, speech normal, mood 'tense', affect anxious, "
        "thought linear, insight good.",
        "risk_assessment": "Denies suicidal and homicidal ideation, past or present; no plan, no means; "
        "protective factors: partner, work, faith.",
        "diagnostic_impressions": "Generalized anxiety, provisional; rule out insomnia disorder.",
        "initial_plan": "Weekly CBT for twelve weeks; sleep diary; GAD-7 every four weeks.",
    },
    {
        "presenting_problem": "Low mood and withdrawal from friends since a breakup in the summer.",
        "history": "One episode of low mood at university, resolved without treatment. No substance use reported.",
        "mental_status": "Cooperative, slowed speech, mood 'flat', affect constricted, no perceptual disturbance.",
        "risk_assessment": "Passive thoughts of not waking up last month, none now; no plan or intent; "
        "safety plan written together; crisis line number given.",
        "diagnostic_impressions": "Depressive episode, moderate, provisional.",
        "initial_plan": "Weekly sessions, behavioural activation; PHQ-9 every two weeks; review in six weeks.",
    },
]

DISCHARGE_TEXT = {
    "reason": "Treatment goals met; client and counselor agreed to end regular sessions.",
    "progress": "Sleep back to seven hours most nights; worry rated 3/10, down from 8/10 at intake.",
    "recommendations": "Keep the wind-down routine and the worry time; return if sleep slips for two weeks.",
    "referrals": "None needed. Crisis line and the practice's number given.",
}

RETURN_COMMENT = (
    "Please add what the client agreed to practise before the next session, and say whether you reviewed "
    "the safety plan."
)


def seed(*, admin: User) -> int:
    """Create the demo clients with a few notes each, once. Returns how many clients
    were created now."""
    if Client.objects.exists():
        return 0
    staff = {u.username: u for u in User.objects.filter(username__contains=".")}
    services.set_supervision(
        actor=admin, counselor=staff["riley.counselor"], supervisor=staff["sam.supervisor"], pre_licensed=True
    )
    for username in ("casey.counselor", "jordan.counselor"):
        services.set_supervision(
            actor=admin, counselor=staff[username], supervisor=staff["sam.supervisor"], pre_licensed=False
        )
    today = timezone.localdate()
    for i, (first, last, year, username, minor) in enumerate(DEMO_CLIENTS):
        counselor = User.objects.get(username=username)
        client = services.client_create(
            actor=admin,
            first_name=first,
            last_name=last,
            date_of_birth=date(year, 1 + i % 12, 1 + i),
            email=f"{first.lower()}@example.invalid",
            phone=f"555-01{i:02d}",
            address=f"{10 + i} Demo Street, Springfield",
            emergency_contact=f"Demo contact, 555-02{i:02d}",
            is_minor=minor,
            counselor=counselor,
        )
        for week in range(3):
            note = services.note_create(
                actor=counselor,
                record_number=client.record_number,
                date_of_service=today - timedelta(days=7 * (3 - week) + i % 5),
                duration_minutes=50,
                service_type="intake" if week == 0 else "individual",
                # The first session is the intake assessment, with its own sections.
                template="intk" if week == 0 else "soap",
                sections=INTAKE_TEXT[i % 2] if week == 0 else SOAP_TEXT[week % 2],
            )
            if week < 2:
                services.note_sign(actor=counselor, note_id=note.pk)
        first_note = SessionNote.objects.filter(client=client, status="signed").order_by("date_of_service").first()
        if i % 4 == 0 and first_note:
            services.addendum_create(
                actor=counselor, note_id=first_note.pk, text="Addendum: session length was 45 minutes, not 50."
            )
        if i % 3 == 0:
            services.psychotherapy_note_create(
                actor=counselor,
                record_number=client.record_number,
                date_of_service=today - timedelta(days=7),
                text="Process note: noticed my own impatience when the client minimised progress.",
            )
    _supervision(staff["sam.supervisor"])
    _discharge(today)
    return len(DEMO_CLIENTS)


def _supervision(supervisor: User) -> None:
    """The pre-licensed counselor's signed notes: all co-signed but two, one of them
    awaiting the supervisor, the other returned for revision with a comment."""
    waiting = list(SessionNote.objects.filter(author__supervisor=supervisor, needs_cosign=True).order_by("id"))
    returned, *rest, _awaiting = waiting
    for note in rest:
        services.note_cosign(actor=supervisor, note_id=note.pk)
    services.note_return(actor=supervisor, note_id=returned.pk, comment=RETURN_COMMENT)


def _discharge(today: date) -> None:
    """A client whose care ended: every note signed, discharged two days ago, and the
    discharge summary written and signed that day."""
    client = next(c for c in Client.objects.all() if c.first_name == "Hana")
    counselor = client.assignments.get(ended_at__isnull=True).counselor
    for draft in SessionNote.objects.filter(client=client, status="draft"):
        services.note_sign(actor=counselor, note_id=draft.pk)
    day = today - timedelta(days=2)
    services.client_set_status(actor=counselor, record_number=client.record_number, discharged=True, on=day)
    summary = services.note_create(
        actor=counselor,
        record_number=client.record_number,
        date_of_service=day,
        duration_minutes=30,
        service_type="discharge",
        template="disc",
        sections=DISCHARGE_TEXT,
    )
    services.note_sign(actor=counselor, note_id=summary.pk)
