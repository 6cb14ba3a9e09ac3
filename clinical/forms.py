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
