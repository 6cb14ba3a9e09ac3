"""Who did it, in words, for the review pages: one naming for the rows, the person
filter and the flags.

- Staff by their full name, with their role in words ("Alice Park", "Counselor"). Their
  names are on their accounts; a staff account without one shows its username.
- A client by their record number only ("Client C-1001"): the review pages never read a
  client's name, which lives encrypted on the client's record. The log names a client
  actor `client:<record number>`; an older event named the account by its username,
  which is never shown (it could be an email address): the record number is looked up
  by the account.
- No account: a disclosure recipient ("recipient"), an operator at the server's console
  (`operator:<name>`), or someone not signed in (a failed sign-in).

Security note: the role shown is the account's role now, and the one recorded with the
event when it differs (a role change in between is itself flagged).
"""

from __future__ import annotations

from dataclasses import dataclass

from practice.roles import Role

CLIENT_PSEUDONYM = "client:"
OPERATOR_PREFIX = "operator:"


@dataclass(frozen=True)
class Person:
    name: str
    role: str  # in words; empty when there is none to say

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role.lower()})" if self.role else self.name


def role_words(role: str) -> str:
    return Role(role).label if role in Role.values else ""


def staff_person(user) -> Person:
    return Person(user.get_full_name() or user.username, role_words(user.role))


def client_person(record_number: str | None) -> Person:
    return Person(f"Client {record_number}" if record_number else "A client", "Client")


def person_for(user, record_number: str | None = None) -> Person:
    """An account, named as the rows name it (`record_number`: a client account's)."""
    if user.role == Role.CLIENT:
        return client_person(record_number)
    return staff_person(user)


def _without_account(username: str, action: str) -> Person:
    if username.startswith(CLIENT_PSEUDONYM):
        return client_person(username.removeprefix(CLIENT_PSEUDONYM))
    if username.startswith(OPERATOR_PREFIX):
        return Person(f"Operator {username.removeprefix(OPERATOR_PREFIX)}", "Server console")
    if username == "recipient" or action == "disclosure.download":
        return Person("Disclosure recipient", "Recipient of shared records")
    if action.startswith("auth."):
        return Person("Someone not signed in", "")
    return Person("The practice's system", "")


def client_numbers_for(user_ids) -> dict[int, str]:
    """{account id: record number} of the client accounts among `user_ids`, one query."""
    from records.models import Client

    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return {}
    return dict(Client.objects.filter(user_id__in=ids).values_list("user_id", "record_number"))


def _id(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


# What an event was about, in words; the types the rows say nothing more of are empty.
OBJECT_WORDS = {
    "audit_log": "",
    "client": "",
    "home": "",
    "table": "Table",
    "retention": "",
    "user": "Account",
    "session_note": "Session note",
    "psychotherapy_note": "Psychotherapy note",
    "addendum": "Addendum",
    "authorization": "Authorization",
    "disclosure": "Disclosure",
    "audit_event": "Event",
    "emergency_access": "Emergency access",
}


def name_events(events) -> None:
    """Ready events for a review page: set `event.person` (a Person), `event.what` (the
    action in words), `event.object_words` and `event.reason_words`. At most two queries for a page: the
    accounts (actors, and accounts acted on) and the record numbers of client accounts."""
    from audit.words import describe, reason_words
    from practice.models import User

    events = list(events)
    ids = {e.actor_id for e in events if e.actor_id is not None}
    ids |= {_id(e.object_id) for e in events if e.object_type == "user"} - {None}
    users = (
        {u.pk: u for u in User.objects.filter(pk__in=ids).only("id", "username", "first_name", "last_name", "role")}
        if ids
        else {}
    )
    numbers = client_numbers_for([pk for pk, u in users.items() if u.role == Role.CLIENT])
    for event in events:
        event.person = _person_of(event, users.get(event.actor_id), numbers)
        event.what = describe(event.action, event.outcome)
        event.reason_words = reason_words(event.reason)
        event.object_words = _object_words(event, users, numbers)


def _object_words(event, users: dict, numbers: dict[int, str]) -> str:
    kind = event.object_type
    if kind == "user":
        user = users.get(_id(event.object_id))
        return f"Account of {person_for(user, numbers.get(user.pk)).label}" if user else ""
    if kind == "client" and not event.client_id and event.object_id:
        return f"Record number {event.object_id}"  # as typed, for a refusal
    kind_words = OBJECT_WORDS.get(kind, kind.replace("_", " ").capitalize())
    if not kind_words:
        return ""
    return f"{kind_words} #{event.object_id}" if event.object_id else kind_words


def _person_of(event, user, numbers: dict[int, str]) -> Person:
    if user is None:
        return _without_account(event.actor_username or "", event.action)
    if user.role == Role.CLIENT:
        recorded = event.actor_username or ""
        number = recorded.removeprefix(CLIENT_PSEUDONYM) if recorded.startswith(CLIENT_PSEUDONYM) else None
        return client_person(number or numbers.get(user.pk))
    person = staff_person(user)
    then = role_words(event.actor_role)
    if then and then != person.role:
        return Person(person.name, f"{then} then, {person.role.lower()} now")
    return person
