from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from clinical import icd10
from clinical.models import Diagnosis

EARLIEST = date(1900, 1, 1)


def _past_date(value: date | None, what: str) -> date | None:
    if value is None:
        return None
    if value > timezone.localdate():
        raise forms.ValidationError(f"The {what} cannot be in the future.")
    if value < EARLIEST:
        raise forms.ValidationError(f"The {what} cannot be before 1900.")
    return value


class DateInput(forms.DateInput):
    input_type = "date"


class DiagnosisSearchForm(forms.Form):
    q = forms.CharField(
        label="Code or words",
        max_length=icd10.MAX_QUERY,
        help_text="An ICD-10-CM code (F41.1, or F41 for all its codes) or words of its description.",
    )


class DiagnosisAddForm(forms.Form):
    code = forms.CharField(label="ICD-10-CM code", max_length=10)
    kind = forms.ChoiceField(label="Type", choices=Diagnosis.Kind.choices, initial=Diagnosis.Kind.PRIMARY)
    onset_date = forms.DateField(label="Onset", required=False, widget=DateInput)

    def clean_code(self):
        code = self.cleaned_data["code"]
        if icd10.billable(code) is None:
            raise forms.ValidationError(
                "Not a billable ICD-10-CM code. Find it by its code or words, and pick one of the results."
            )
        return icd10.normalize(code)

    def clean_onset_date(self):
        return _past_date(self.cleaned_data["onset_date"], "onset date")


class DiagnosisReviseForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=Diagnosis.Kind.choices)
    onset_date = forms.DateField(label="Onset", required=False, widget=DateInput)
    resolved_date = forms.DateField(label="Resolved", required=False, widget=DateInput)
    entered_in_error = forms.BooleanField(
        label="Entered in error (remove from the current diagnoses; the history keeps it)", required=False
    )

    def clean_onset_date(self):
        return _past_date(self.cleaned_data["onset_date"], "onset date")

    def clean_resolved_date(self):
        return _past_date(self.cleaned_data["resolved_date"], "resolved date")

    def clean(self):
        data = super().clean()
        onset, resolved = data.get("onset_date"), data.get("resolved_date")
        if onset and resolved and resolved < onset:
            self.add_error("resolved_date", "The resolved date cannot be before the onset.")
        return data

    @classmethod
    def initial_from(cls, diagnosis: Diagnosis) -> dict:
        return {"kind": diagnosis.kind, "onset_date": diagnosis.onset_date, "resolved_date": diagnosis.resolved_date}


# --- Treatment plans ------------------------------------------------------------------------
PLAN_PROBLEMS = 3
PLAN_OBJECTIVES = 3
PLAN_TEXT_MAX = 4000
LATEST = date(2100, 12, 31)


class PlanForm(forms.Form):
    """A plan version: up to three problems, each with a goal, up to three measurable
    objectives with target dates, and interventions; a review date."""

    review_date = forms.DateField(label="Review date", widget=DateInput)
    # The copy of the draft this form was opened on (editing only).
    edits = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, PLAN_PROBLEMS + 1):
            self.fields[f"p{i}_problem"] = forms.CharField(
                label="Problem", required=False, max_length=PLAN_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"p{i}_goal"] = forms.CharField(
                label="Goal", required=False, max_length=PLAN_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
            )
            for j in range(1, PLAN_OBJECTIVES + 1):
                self.fields[f"p{i}_o{j}"] = forms.CharField(
                    label=f"Measurable objective {j}", required=False, max_length=PLAN_TEXT_MAX
                )
                self.fields[f"p{i}_o{j}_date"] = forms.DateField(label="Target date", required=False, widget=DateInput)
            self.fields[f"p{i}_interventions"] = forms.CharField(
                label="Interventions",
                required=False,
                max_length=PLAN_TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean_review_date(self):
        value = self.cleaned_data["review_date"]
        if value < timezone.localdate():
            raise forms.ValidationError("The review date cannot be in the past.")
        if value > LATEST:
            raise forms.ValidationError("The review date is too far ahead.")
        return value

    def clean(self):
        data = super().clean()
        problems = 0
        for i in range(1, PLAN_PROBLEMS + 1):
            texts = [data.get(f"p{i}_problem"), data.get(f"p{i}_goal"), data.get(f"p{i}_interventions")]
            objectives = 0
            for j in range(1, PLAN_OBJECTIVES + 1):
                text, when = (data.get(f"p{i}_o{j}") or "").strip(), data.get(f"p{i}_o{j}_date")
                if text and not when:
                    self.add_error(f"p{i}_o{j}_date", "Give the objective a target date.")
                elif when and not text:
                    self.add_error(f"p{i}_o{j}", "Write the objective for this target date.")
                elif when and not (EARLIEST <= when <= LATEST):
                    self.add_error(f"p{i}_o{j}_date", "Give a target date between 1900 and 2100.")
                objectives += bool(text)
                texts.append(text)
            if not any((t or "").strip() for t in texts):
                continue
            problems += 1
            if not (data.get(f"p{i}_problem") or "").strip():
                self.add_error(f"p{i}_problem", "Name the problem.")
            if not (data.get(f"p{i}_goal") or "").strip():
                self.add_error(f"p{i}_goal", "Write the goal for this problem.")
            if not objectives:
                self.add_error(f"p{i}_o1", "Give this problem at least one measurable objective.")
        if not problems:
            raise forms.ValidationError("Write at least one problem, with its goal and an objective.")
        return data

    def blocks(self):
        """The fields by problem, for the template."""
        return [
            {
                "number": i,
                "problem": self[f"p{i}_problem"],
                "goal": self[f"p{i}_goal"],
                "objectives": [(self[f"p{i}_o{j}"], self[f"p{i}_o{j}_date"]) for j in range(1, PLAN_OBJECTIVES + 1)],
                "interventions": self[f"p{i}_interventions"],
            }
            for i in range(1, PLAN_PROBLEMS + 1)
        ]

    def problems(self):
        from clinical.plans import Objective, Problem

        data = self.cleaned_data
        result = []
        for i in range(1, PLAN_PROBLEMS + 1):
            if not (data.get(f"p{i}_problem") or "").strip():
                continue
            result.append(
                Problem(
                    problem=data[f"p{i}_problem"].strip(),
                    goal=data[f"p{i}_goal"].strip(),
                    interventions=(data.get(f"p{i}_interventions") or "").strip(),
                    objectives=[
                        Objective(objective=data[f"p{i}_o{j}"].strip(), target_date=data[f"p{i}_o{j}_date"])
                        for j in range(1, PLAN_OBJECTIVES + 1)
                        if (data.get(f"p{i}_o{j}") or "").strip()
                    ],
                )
            )
        return result

    @staticmethod
    def initial_from(plan, problems) -> dict:
        initial = {"review_date": plan.review_date if plan else None}
        for i, p in enumerate(problems[:PLAN_PROBLEMS], start=1):
            initial.update({f"p{i}_problem": p.problem, f"p{i}_goal": p.goal, f"p{i}_interventions": p.interventions})
            for j, o in enumerate(p.objectives[:PLAN_OBJECTIVES], start=1):
                initial.update({f"p{i}_o{j}": o.objective, f"p{i}_o{j}_date": o.target_date})
        return initial


class PlanSignForm(forms.Form):
    shown_sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)


# --- Questionnaires ---------------------------------------------------------------------------
class AssignMeasureForm(forms.Form):
    instrument = forms.ChoiceField(label="Questionnaire", choices=[("phq9", "PHQ-9"), ("gad7", "GAD-7")])


class MeasureForm(forms.Form):
    """The items of one instrument, each answered 0-3."""

    def __init__(self, *args, instrument, **kwargs):
        from clinical.instruments import OPTIONS

        super().__init__(*args, **kwargs)
        self.instrument = instrument
        for n, text in enumerate(instrument.items, start=1):
            self.fields[f"item_{n}"] = forms.TypedChoiceField(
                label=f"{n}. {text}",
                choices=[(str(v), label) for v, label in OPTIONS],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose an answer for this question."},
            )

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"item_{n}"] for n in range(1, len(self.instrument.items) + 1)]
