"""A client whose record is past retention (`old`, last service in 2012, alice's
client), planted with canary text in every place a client's data can be: identifying
fields, notes, an addendum, a psychotherapy note, an authorization, a disclosure (with
its package), an emergency access, a released legal hold, and a portal account."""

import re
from datetime import date

from django.db import connection

from consent import services as consent_services
from emergency import services as emergency_services
from practice.roles import Role
from records import services
from records.fields import crypter
from retention import services as retention_services
from tests.base import make_user
from tests.records.base import RecordsTestCase

CANARY = "ZQXCANARY"
FERNET_TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_\-=]{20,}")


def plant_old_client(*, admin, counselor, other_admin, emergency_user):
    portal = make_user(f"{CANARY.lower()}portal", Role.CLIENT)  # email: zqxcanaryportal@example.invalid
    client = services.client_create(
        actor=admin,
        first_name=f"{CANARY}first",
        last_name=f"{CANARY}last",
        preferred_name=f"{CANARY}pref",
        date_of_birth=date(1970, 7, 17),
        email=f"{CANARY.lower()}@example.invalid",
        phone=f"{CANARY}phone",
        address=f"{CANARY}address",
        emergency_contact=f"{CANARY}contact",
        counselor=counselor,
    )
    client.user = portal
    client.save(update_fields=["user"])
    note = services.note_create(
        actor=counselor,
        record_number=client.record_number,
        date_of_service=date(2012, 3, 1),
        duration_minutes=50,
        service_type="individual",
        template="soap",
        sections={"subjective": f"{CANARY}note", "plan": f"{CANARY}plan"},
    )
    services.note_sign(actor=counselor, note_id=note.pk)
    services.addendum_create(actor=counselor, note_id=note.pk, text=f"{CANARY}addendum")
    services.psychotherapy_note_create(
        actor=counselor, record_number=client.record_number, date_of_service=date(2012, 3, 1), text=f"{CANARY}pn"
    )
    consent_services.authorization_prepare(
        actor=counselor,
        record_number=client.record_number,
        kind="general",
        recipient_name=f"{CANARY}recipient",
        recipient_organization=f"{CANARY}org",
        recipient_email="rcpt@example.invalid",
        recipient_address=f"{CANARY}raddr",
        categories=["attendance"],
        information_from=date(2012, 1, 1),
        information_to=date(2012, 12, 31),
        purpose="continuity",
        purpose_detail=f"{CANARY}purpose",
        expires_on=date(2013, 1, 1),
        expiration_event="",
        representative_name="",
        representative_authority="",
    )
    consent_services.disclose_without_authorization(
        actor=counselor,
        record_number=client.record_number,
        legal_basis="court_order",
        justification=f"{CANARY}justification for the court order",
        court_name=f"{CANARY}court name",
        court_date=date(2012, 11, 1),
        court_reference=f"{CANARY}docket",
        base_url="http://testserver",
        recipient_name=f"{CANARY}court",
        recipient_organization="",
        recipient_email="court@example.invalid",
        categories=frozenset({"progress_notes"}),
        information_from=date(2012, 1, 1),
        information_to=date(2012, 12, 31),
        purpose="legal",
    )
    emergency_services.emergency_open(
        actor=emergency_user,
        record_number=client.record_number,
        reason="covering",
        justification=f"{CANARY}emergency: the client called in crisis",
    )
    hold = retention_services.hold_place(actor=admin, record_number=client.record_number, reason=f"{CANARY}hold")
    retention_services.hold_release(actor=other_admin, hold_id=hold.pk, reason=f"{CANARY}released")
    client.refresh_from_db()
    return client


def all_tables() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def raw_text_everywhere() -> str:
    """Every value of every table, as text (what raw SQL can see)."""
    parts = []
    for table in all_tables():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                parts.append(" ".join(str(v) for v in row))
    return "\n".join(parts)


def decrypted_tokens(text: str) -> list[str]:
    """Every Fernet token found in the text, decrypted with the practice's keys."""
    out = []
    for token in set(FERNET_TOKEN.findall(text)):
        try:
            out.append(crypter().decrypt(token.encode()).decode("utf-8", "replace"))
        except Exception:  # noqa: BLE001, S112 - not one of ours
            continue
    return out


class RetentionTestCase(RecordsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.blair = make_user("blair", Role.PRACTICE_ADMIN)
        cls.old = plant_old_client(admin=cls.avery, counselor=cls.alice, other_admin=cls.blair, emergency_user=cls.bob)
