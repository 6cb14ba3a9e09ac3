from datetime import date, timedelta

from django.utils import timezone

from clinical import plans, services
from tests.consent.base import BASE_URL, ConsentTestCase

PROBLEM = "Low mood most days since the job loss"
GOAL = "Return to daily activities that matter to the client"
OBJECTIVE = "Walks outside at least 4 days a week, by self-report"
INTERVENTION = "Behavioral activation; weekly activity scheduling"


def sample_problems(problem: str = PROBLEM) -> list[plans.Problem]:
    return [
        plans.Problem(
            problem=problem,
            goal=GOAL,
            interventions=INTERVENTION,
            objectives=[plans.Objective(objective=OBJECTIVE, target_date=date(2027, 2, 1))],
        )
    ]


def draft_plan(actor, client, *, review_date=None, problem: str = PROBLEM):
    return services.plan_create(
        actor=actor,
        record_number=client.record_number,
        problems=sample_problems(problem),
        review_date=review_date or timezone.localdate() + timedelta(days=60),
    )


def signed_plan(actor, client, **kwargs):
    draft = draft_plan(actor, client, **kwargs)
    shown = services.plan_for_signing(actor=actor, plan_id=draft.pk).shown_sha256
    return services.plan_sign(actor=actor, plan_id=draft.pk, shown_sha256=shown)


def completed(actor, client, instrument: str, answers: list[int]):
    return services.measure_enter(
        actor=actor, record_number=client.record_number, instrument=instrument, answers=answers, base_url=BASE_URL
    )


class ClinicalTestCase(ConsentTestCase):
    """alice cares for `rec` (claire's record), supervised by sam; bob cares for `other`."""

    def diagnose(self, code="F41.1", kind="primary", **kwargs):
        return services.diagnosis_add(
            actor=self.alice, record_number=self.rec.record_number, code=code, kind=kind, **kwargs
        )
