from django import forms

from audit.models import FlagKind, Outcome
from audit.selectors import EventFilter, actor_choices, local_day_bounds


class EventFilterForm(forms.Form):
    actor = forms.ModelChoiceField(queryset=actor_choices(), required=False, label="Person", empty_label="Anyone")
    client = forms.CharField(required=False, max_length=12, label="Client record number")
    action = forms.CharField(
        required=False, max_length=64, help_text="Exact (chart.view) or a prefix ending in a dot (note.)"
    )
    outcome = forms.ChoiceField(choices=[("", "Any"), *Outcome.choices], required=False)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = actor_choices()

    def clean_client(self):
        from records.models import Client

        number = self.cleaned_data["client"].strip().upper()
        if not number:
            return None
        client = Client.objects.filter(record_number=number).only("id").first()
        if client is None:
            raise forms.ValidationError("No client has that record number.")
        return client.pk

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The start date is after the end date.")
        return data

    def event_filter(self) -> EventFilter:
        data = self.cleaned_data
        start, end = local_day_bounds(data.get("date_from"), data.get("date_to"))
        return EventFilter(
            actor_id=data["actor"].pk if data.get("actor") else None,
            client_id=data.get("client"),
            action=data.get("action", "").strip(),
            outcome=data.get("outcome", ""),
            date_from=start,
            date_to=end,
        )


class FlagReviewForm(forms.Form):
    seq = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=FlagKind.choices, widget=forms.HiddenInput)
    comment = forms.CharField(max_length=1000, widget=forms.TextInput(attrs={"placeholder": "What you found"}))
