"""A former client past the retention date, for the demo practice (development only, via
seed_demo): last seen in 2015, discharged in 2016, so under the default policy (7 years)
the record was due in 2022 and appears in the disposal queue. Fictional."""

from __future__ import annotations

from datetime import date

from practice.models import User

FORMER = {"first_name": "Mo", "last_name": "Archer", "date_of_birth": date(1961, 9, 14)}


def seed(*, admin: User) -> int:
    from records import services
    from records.models import Client

    if Client.objects.filter(last_service_date__lt=date(2016, 1, 1)).exists():
        return 0
    counselor = User.objects.filter(username="casey.counselor").first()
    if counselor is None:
        return 0
    client = services.client_create(
        actor=admin, **FORMER, email="mo@example.invalid", phone="555-0199", counselor=counselor
    )
    note = services.note_create(
        actor=counselor,
        record_number=client.record_number,
        date_of_service=date(2015, 6, 3),
        duration_minutes=50,
        service_type="individual",
        template="dap",
        sections={"data": "Final session; goals met.", "plan": "Discharge; may return as needed."},
    )
    services.note_sign(actor=counselor, note_id=note.pk)
    services.client_set_status(
        actor=counselor, record_number=client.record_number, discharged=True, on=date(2016, 1, 15)
    )
    return 1
