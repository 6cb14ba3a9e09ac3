from django import forms

from emergency.models import EmergencyAccess, Reason
from emergency.services import MIN_JUSTIFICATION


class EmergencyOpenForm(forms.Form):
    record_number = forms.CharField(max_length=12, label="Client record number")
    reason = forms.ChoiceField(choices=[("", "Choose a reason"), *Reason.choices], label="Reason")
    justification = forms.CharField(
        label="Justification",
        min_length=MIN_JUSTIFICATION,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What is happening and why you must read this chart now. Seen by the practice admins.",
    )

    def clean_record_number(self):
        return self.cleaned_data["record_number"].strip().upper()

    def clean_justification(self):
        value = self.cleaned_data["justification"].strip()
        if len(value) < MIN_JUSTIFICATION:
            raise forms.ValidationError(f"Write at least {MIN_JUSTIFICATION} characters.")
        return value


class EmergencyReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (EmergencyAccess.Review.ACKNOWLEDGED, "Acknowledge"),
            (EmergencyAccess.Review.ESCALATED, "Escalate"),
        ]
    )
    comment = forms.CharField(max_length=1000, widget=forms.TextInput(attrs={"placeholder": "What you found"}))
