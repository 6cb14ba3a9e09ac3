from datetime import date

from django import forms

from audit.models import FlagKind, Outcome
from audit.selectors import EventFilter, actor_choices, local_day_bounds

# The range a review filter may name: the day after 9999-12-31 does not exist, and no
# event is older than the practice's software.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)


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

    def _clean_day(self, name):
        day = self.cleaned_data[name]
        if day is not None and not (FIRST_DAY <= day <= LAST_DAY):
            raise forms.ValidationError(f"Choose a date between {FIRST_DAY:%Y} and {LAST_DAY:%Y}.")
        return day

    def clean_date_from(self):
        return self._clean_day("date_from")

    def clean_date_to(self):
        return self._clean_day("date_to")

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
