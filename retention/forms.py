from django import forms

from retention.models import DEFAULT_AGE_OF_MAJORITY, DEFAULT_YEARS_AFTER_MAJORITY, DEFAULT_YEARS_AFTER_SERVICE


class PolicyForm(forms.Form):
    years_after_service = forms.IntegerField(
        min_value=1, max_value=100, label="Years after the last date of service", initial=DEFAULT_YEARS_AFTER_SERVICE
    )
    age_of_majority = forms.IntegerField(
        min_value=14, max_value=25, label="Age of majority", initial=DEFAULT_AGE_OF_MAJORITY
    )
    years_after_majority = forms.IntegerField(
        min_value=0,
        max_value=100,
        label="For minors: years after the age of majority",
        initial=DEFAULT_YEARS_AFTER_MAJORITY,
    )


class HoldForm(forms.Form):
    record_number = forms.CharField(max_length=12, label="Client record number")
    reason = forms.CharField(max_length=1000, label="Reason for the hold", widget=forms.Textarea(attrs={"rows": 2}))

    def clean_record_number(self):
        return self.cleaned_data["record_number"].strip().upper()


class ReleaseForm(forms.Form):
    reason = forms.CharField(max_length=1000, label="Why the hold ends")


class ProposeForm(forms.Form):
    record_number = forms.CharField(max_length=12)
