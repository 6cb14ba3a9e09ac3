"""The PHQ-9 and the GAD-7: item texts, answer options, scoring and severity bands, as
published with the instruments (Spitzer, Kroenke, Williams and colleagues; developed
with an educational grant from Pfizer; free to reproduce, translate, display or
distribute). Answers are 0-3 per item; the score is their sum.

PHQ-9 severity: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe,
20-27 severe. GAD-7 severity: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe.
Any answer above 0 on PHQ-9 item 9 (thoughts of being better off dead or of self-harm)
needs the counselor's attention whatever the total (clinical.services)."""

from __future__ import annotations

from dataclasses import dataclass

STEM = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
OPTIONS = ((0, "Not at all"), (1, "Several days"), (2, "More than half the days"), (3, "Nearly every day"))


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Instrument:
    key: str
    name: str
    title: str
    items: tuple[str, ...]
    bands: tuple[Band, ...]

    @property
    def max_score(self) -> int:
        return 3 * len(self.items)

    def score(self, answers: list[int]) -> int:
        if len(answers) != len(self.items) or any(a not in (0, 1, 2, 3) for a in answers):
            raise ValueError(f"{self.name} needs {len(self.items)} answers from 0 to 3")
        return sum(answers)

    def band(self, score: int) -> Band:
        for band in self.bands:
            if band.low <= score <= band.high:
                return band
        raise ValueError(f"{self.name} score out of range: {score}")


PHQ9 = Instrument(
    key="phq9",
    name="PHQ-9",
    title="Patient Health Questionnaire (PHQ-9)",
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety "
        "or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    bands=(
        Band(0, 4, "Minimal"),
        Band(5, 9, "Mild"),
        Band(10, 14, "Moderate"),
        Band(15, 19, "Moderately severe"),
        Band(20, 27, "Severe"),
    ),
)

GAD7 = Instrument(
    key="gad7",
    name="GAD-7",
    title="Generalized Anxiety Disorder scale (GAD-7)",
    items=(
        "Feeling nervous, anxious or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ),
    bands=(Band(0, 4, "Minimal"), Band(5, 9, "Mild"), Band(10, 14, "Moderate"), Band(15, 21, "Severe")),
)

INSTRUMENTS = {PHQ9.key: PHQ9, GAD7.key: GAD7}
# PHQ-9 item 9 (index 8): any answer above 0 alerts the counselor.
RISK_ITEM = 8


def needs_attention(key: str, answers: list[int]) -> bool:
    return key == PHQ9.key and len(answers) > RISK_ITEM and answers[RISK_ITEM] > 0
