from django import forms
from django.utils import timezone

from practice.models import User
from practice.roles import CLINICAL_ROLES
from records.models import (
    SECTION_HELP,
    TEMPLATE_SECTIONS,
    TEMPLATE_SERVICE_TYPE,
    Assignment,
    NoteTemplate,
    ServiceType,
)

# The longest text one note field holds (about eight printed pages). Each field says so
# under it and carries maxlength; a longer text is refused by the form, which gives it
# back in the field with the limit named.
NOTE_TEXT_MAX = 20_000
NOTE_TEXT_HELP = f"Up to {NOTE_TEXT_MAX:,} characters."


class NoteForm(forms.Form):
    """A session note with the sections of its template (section_<key> fields)."""

    date_of_service = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    duration_minutes = forms.IntegerField(min_value=1, max_value=600, initial=50, label="Duration (minutes)")
    service_type = forms.ChoiceField(choices=ServiceType.choices, initial=ServiceType.INDIVIDUAL)
    template = forms.ChoiceField(choices=NoteTemplate.choices, widget=forms.HiddenInput)
    # The version of the draft this form was opened on (editing only): a save based on an
    # older one is refused (records.services.note_update).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, template: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.template_key = template
        self.template_label = NoteTemplate(template).label
        self.fields["template"].initial = template
        if template in TEMPLATE_SERVICE_TYPE:
            self.fields["service_type"].initial = TEMPLATE_SERVICE_TYPE[template]
        for key, label in TEMPLATE_SECTIONS[template]:
            hint = SECTION_HELP.get(key)
            self.fields[f"section_{key}"] = forms.CharField(
                label=label,
                required=False,
                max_length=NOTE_TEXT_MAX,
                help_text=f"{hint} {NOTE_TEXT_HELP}" if hint else NOTE_TEXT_HELP,
                widget=forms.Textarea(attrs={"rows": 6}),
            )

    def clean_date_of_service(self):
        value = self.cleaned_data["date_of_service"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date of service cannot be in the future.")
        return value

    def clean(self):
        data = super().clean()
        if data.get("template") and data["template"] != self.template_key:
            raise forms.ValidationError("The note template cannot change while editing.")
        if not any((data.get(f"section_{k}") or "").strip() for k, _ in TEMPLATE_SECTIONS[self.template_key]):
            raise forms.ValidationError("Write at least one section before saving.")
        return data

    def section_fields(self):
        return [self[f"section_{key}"] for key, _ in TEMPLATE_SECTIONS[self.template_key]]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "date_of_service": data["date_of_service"],
            "duration_minutes": data["duration_minutes"],
            "service_type": data["service_type"],
            "template": self.template_key,
            "sections": {key: data.get(f"section_{key}", "") for key, _ in TEMPLATE_SECTIONS[self.template_key]},
        }

    def unchanged_from(self, note) -> bool:
        """Whether this valid form holds exactly the saved draft (same version, same
        values): signing it then needs no save first."""
        data = self.service_kwargs()
        return (
            self.cleaned_data.get("version") == note.version
            and data["date_of_service"] == note.date_of_service
            and data["duration_minutes"] == note.duration_minutes
            and data["service_type"] == note.service_type
            and data["template"] == note.template
            and data["sections"] == {key: note.sections.get(key, "") for key in data["sections"]}
        )

    @classmethod
    def initial_from(cls, note) -> dict:
        initial = {
            "date_of_service": note.date_of_service,
            "duration_minutes": note.duration_minutes,
            "service_type": note.service_type,
            "template": note.template,
            "version": note.version,
        }
        initial.update({f"section_{k}": v for k, v in note.sections.items()})
        return initial


class SignNoteForm(forms.Form):
    """The sign button on the editor sends the version on screen."""

    version = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class ClientStatusForm(forms.Form):
    """The confirmation of a discharge (with its date) or a readmission."""

    discharged = forms.TypedChoiceField(
        choices=[("1", "Discharge"), ("0", "Readmit")], coerce=lambda value: value == "1", widget=forms.HiddenInput
    )
    on = forms.DateField(
        label="Date of discharge",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The day care ended: today, or an earlier day not before the last session.",
    )

    def clean(self):
        data = super().clean()
        if data.get("discharged") and not data.get("on") and "on" not in self.errors:
            self.add_error("on", "Give the date of discharge.")
        return data


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum", widget=forms.Textarea(attrs={"rows": 4}), max_length=NOTE_TEXT_MAX, help_text=NOTE_TEXT_HELP
    )


class ReturnForm(forms.Form):
    """A supervisor's comment returning a note for revision (kept encrypted)."""

    comment = forms.CharField(
        label="What should be revised",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5_000,
        help_text="The author sees this on the note. Up to 5,000 characters.",
    )


class PsychotherapyNoteForm(forms.Form):
    date_of_service = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(
        label="Psychotherapy note",
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=NOTE_TEXT_MAX,
        help_text=NOTE_TEXT_HELP,
    )


class ClientForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    preferred_name = forms.CharField(max_length=150, required=False)
    date_of_birth = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    address = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    emergency_contact = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    is_minor = forms.BooleanField(required=False, label="Client is a minor")
    counselor = forms.ModelChoiceField(
        queryset=User.objects.filter(role__in=CLINICAL_ROLES, is_active=True).order_by("last_name"),
        required=False,
        label="Assigned counselor",
    )

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        return value


class AssignForm(forms.Form):
    counselor = forms.ModelChoiceField(
        queryset=User.objects.filter(role__in=CLINICAL_ROLES, is_active=True).order_by("last_name")
    )
    kind = forms.ChoiceField(choices=Assignment.Kind.choices)


class SearchForm(forms.Form):
    """The search box of the caseload and the admin's client list (records.search)."""

    q = forms.CharField(
        label="Find a client",
        max_length=100,
        required=False,
        help_text="Name, preferred name or record number.",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def query(self) -> str:
        """The words to search for, or '' (no search, or a refused one: see errors)."""
        return self.cleaned_data.get("q", "") if self.is_bound and self.is_valid() else ""
