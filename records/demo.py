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
                template="soap",
                sections=SOAP_TEXT[week % 2],
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
    return len(DEMO_CLIENTS)
