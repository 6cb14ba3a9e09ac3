import re
from datetime import date

from django import forms

from audit.models import FlagKind
from audit.people import client_numbers_for, person_for
from audit.selectors import EventFilter, actor_choices, local_day_bounds
from audit.words import action_choices
from practice.models import User
from practice.roles import Role

# The range a review filter may name: the day after 9999-12-31 does not exist, and no
# event is older than the practice's software.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)
MAX_SEQ = 10**18  # the keyset cursor's bound: a bigint


# An action filter: an exact code (chart.view) or a family, a prefix ending in a dot (note.).
ACTION_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]*)?$")
# The families the action filter offers, in words.
ACTION_FAMILIES = (
    ("auth.", "Any sign-in event"),
    ("chart.", "Any chart event"),
    ("note.", "Any session note event"),
    ("pnote.", "Any psychotherapy note event"),
    ("authorization.", "Any authorization event"),
    ("disclosure.", "Any disclosure event"),
    ("emergency.", "Any emergency access event"),
    ("staff.", "Any staff account event"),
    ("retention.", "Any retention or disposal event"),
    ("audit.", "Any audit review event"),
)


class PersonField(forms.ModelChoiceField):
    """The person filter: staff to choose from, named as the log's rows name them; any
    account's id is accepted (a client named in a row links here too)."""

    def label_from_instance(self, obj) -> str:
        number = client_numbers_for([obj.pk]).get(obj.pk) if obj.role == Role.CLIENT else None
        return person_for(obj, number).label


class EventFilterForm(forms.Form):
    actor = PersonField(queryset=User.objects.none(), required=False, label="Person", empty_label="Anyone")
    client = forms.CharField(required=False, max_length=12, label="Client record number")
    action = forms.CharField(required=False, max_length=64, label="Action")
    outcome = forms.ChoiceField(
        choices=[("", "Any"), ("allowed", "Done"), ("denied", "Refused"), ("error", "Failed")], required=False
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")
    # A flag's link: one event, or a run of them. Carried, not shown as inputs.
    event = forms.IntegerField(required=False, min_value=1, max_value=MAX_SEQ, widget=forms.HiddenInput)
    from_event = forms.IntegerField(required=False, min_value=1, max_value=MAX_SEQ, widget=forms.HiddenInput)
    to_event = forms.IntegerField(required=False, min_value=1, max_value=MAX_SEQ, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["actor"]
        # Any account validates; the list offers staff, plus the account chosen.
        field.queryset = User.objects.all()
        staff = list(actor_choices())
        chosen = self._chosen_actor()
        if chosen is not None and chosen.pk not in {u.pk for u in staff}:
            staff.append(chosen)
        field.choices = [("", "Anyone"), *((u.pk, field.label_from_instance(u)) for u in staff)]
        choices = [("", "Any action"), *ACTION_FAMILIES, *action_choices()]
        typed = (self.data.get("action") or "").strip() if self.is_bound else ""
        if typed and typed not in {code for code, _ in choices}:
            choices.append((typed, typed))
        self.fields["action"].widget = forms.Select(choices=choices)

    def _chosen_actor(self):
        value = self.data.get("actor") if self.is_bound else None
        if not (value and str(value).isascii() and str(value).isdigit() and len(str(value)) <= 18):
            return None
        return User.objects.filter(pk=int(value)).first()

    def clean_action(self):
        action = self.cleaned_data["action"].strip()
        if action and not ACTION_PATTERN.match(action):
            raise forms.ValidationError("Choose an action from the list.")
        return action

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
            seq_from=data.get("event") or data.get("from_event"),
            seq_to=data.get("event") or data.get("to_event"),
        )


class FlagReviewForm(forms.Form):
    seq = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=FlagKind.choices, widget=forms.HiddenInput)
    comment = forms.CharField(max_length=1000, widget=forms.TextInput(attrs={"placeholder": "What you found"}))
