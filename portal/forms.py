from datetime import date

from django import forms
from django.utils import timezone

from consent.forms import SignForm as _SignForm


class MonthField(forms.CharField):
    """A calendar month typed as YYYY-MM (what <input type="month"> sends)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "inputmode": "numeric"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            year, month = (int(part) for part in value.split("-"))
            return date(year, month, 1)
        except ValueError:
            raise forms.ValidationError("Give a month as year and month, for example 2026-03.") from None


class HistoryFilterForm(forms.Form):
    month = MonthField(required=False, label="Month")
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class SignForm(_SignForm):
    """The signing form, sent twice: once to check it and show the confirmation page,
    then with `confirmed` from that page to sign."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class CopyRequestForm(forms.Form):
    requested_on = forms.DateField(
        label="Date of the client's written request",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Recorded in the audit log with the copy.",
    )

    def clean_requested_on(self):
        value = self.cleaned_data["requested_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The request date is in the future.")
        return value
