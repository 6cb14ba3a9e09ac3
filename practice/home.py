"""Home pages by role: what waits for this person, each item a link to the work.

One service asks each app's selectors for its blocks; each block has its own template
(`templates/home/<key>.html`, included by `templates/practice/home.html`). The blocks of
a role are listed below in the order they show; an app adds a block by adding a
provider here that calls its own selector (never its models), and a template.

Rule: a home page that shows anything of a client's record (names, drafts, forms) is
a read of client data, so it writes one `home.view` event before it returns; a page
with nothing of a client's record (a practice admin's) writes none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

import audit
from practice.models import User
from practice.roles import Role

# How many items a block lists; its count is always the whole number, with a link to all.
SHOWN = 8


@dataclass
class Block:
    key: str  # the template: templates/home/<key>.html
    title: str
    empty: str  # said when nothing waits
    items: list = field(default_factory=list)
    count: int = 0
    all_url: str = ""  # the page with every item, when the block shows only the first ones

    @property
    def more(self) -> int:
        return max(self.count - len(self.items), 0)

    @property
    def template(self) -> str:
        return f"home/{self.key}.html"


def _block(key: str, title: str, empty: str, queryset, all_url: str = "") -> Block:
    items = list(queryset[: SHOWN + 1])
    count = len(items) if len(items) <= SHOWN else queryset.count()
    return Block(key, title, empty, items[:SHOWN], count, all_url)


# --- Clinicians (counselors and supervisors) ---------------------------------------------
def _drafts(user: User) -> Block:
    from records import selectors

    return _block("drafts", "Drafts to finish", "No unsigned drafts.", selectors.drafts_for(user), reverse("caseload"))


def _returned(user: User) -> Block:
    """The author's notes their supervisor returned for revision, not yet answered."""
    from records import selectors

    return _block(
        "returned",
        "Returned to you for revision",
        "No notes are returned to you.",
        selectors.returned_to_me(user),
        reverse("caseload") + "#returned-to-me",
    )


def _awaiting_cosign(user: User) -> Block:
    """Notes by a pre-licensed author waiting for the supervisor: the author sees theirs
    waiting, the supervisor sees what to co-sign. A note returned for revision is not
    waiting for the supervisor (it is in the author's "returned" block)."""
    from records import selectors

    return _block(
        "awaiting_cosign",
        "Awaiting co-signature",
        "No notes wait for a co-signature.",
        selectors.awaiting_cosign_for(user).filter(returned=False),
        reverse("caseload"),
    )


def _awaiting_client_signature(user: User) -> Block:
    from consent import selectors

    return _block(
        "awaiting_client_signature",
        "Forms waiting for the client's signature",
        "No forms wait for a client's signature.",
        selectors.awaiting_client_signature(user),
    )


def _measure_alerts(user: User) -> Block:
    """Questionnaires with PHQ-9 item 9 above 0, raised for this counselor and not yet
    marked reviewed: first on the page."""
    from clinical import selectors

    return _block(
        "measure_alerts",
        "Questionnaires needing your attention",
        "No questionnaire needs your attention.",
        selectors.open_alerts(user),
    )


def _plan_reviews(user: User) -> Block:
    from clinical import selectors

    return _block(
        "plan_reviews",
        "Treatment plan reviews due",
        "No treatment plan review is due this week.",
        selectors.reviews_due(user),
        reverse("caseload"),
    )


CLINICIAN_BLOCKS: list[Callable[[User], Block]] = [
    _measure_alerts,
    _drafts,
    _returned,
    _awaiting_cosign,
    _awaiting_client_signature,
    _plan_reviews,
]


# --- Clients ------------------------------------------------------------------------------
def _forms_to_sign(user: User) -> Block:
    from consent import selectors
    from records.selectors import portal_client

    client = portal_client(user)
    return _block(
        "forms_to_sign",
        "Forms to sign",
        "No forms wait for your signature.",
        selectors.forms_to_sign(client),
        reverse("portal_home"),
    )


def _questionnaires(user: User) -> Block:
    from clinical import selectors
    from records.selectors import portal_client

    client = portal_client(user)
    return _block(
        "questionnaires",
        "Questionnaires to fill in",
        "No questionnaire waits for you.",
        selectors.waiting_measures(client),
        reverse("portal_home"),
    )


CLIENT_BLOCKS: list[Callable[[User], Block]] = [_forms_to_sign, _questionnaires]


# --- Practice admins ----------------------------------------------------------------------
# Hook: flags to review, emergency accesses to review, the disposal queue, staff without
# two-factor (audit, emergency, retention and practice selectors). No client record.
ADMIN_BLOCKS: list[Callable[[User], Block]] = []


# The roles whose blocks show something of a client's record.
_NAMES_CLIENTS = frozenset({Role.COUNSELOR, Role.SUPERVISOR, Role.CLIENT})


def home_view(*, actor: User) -> dict:
    """The home page's blocks for the actor's role. Clinicians' and clients' blocks name
    clients, so the page writes its `home.view` event before anything is returned."""
    from records.selectors import portal_client

    client = None
    if actor.role in (Role.COUNSELOR, Role.SUPERVISOR):
        providers = CLINICIAN_BLOCKS
    elif actor.role == Role.CLIENT:
        client = portal_client(actor)
        providers = CLIENT_BLOCKS if client is not None else []
    elif actor.role == Role.PRACTICE_ADMIN:
        providers = ADMIN_BLOCKS
    else:
        providers = []
    if providers and actor.role in _NAMES_CLIENTS:
        audit.record(
            action="home.view",
            actor=actor,
            client=client,
            object_type="client" if client else "home",
            object_id=client.pk if client else "",
        )
    return {"blocks": [provider(actor) for provider in providers]}
