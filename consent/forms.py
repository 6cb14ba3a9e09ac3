from datetime import timedelta

from django import forms
from django.utils import timezone

from consent import bases
from consent.models import Authorization, Category, Purpose

DATE = forms.DateInput(attrs={"type": "date"})


class _RequestFields(forms.Form):
    """Recipient, information and purpose: shared by authorizations and disclosures."""

    recipient_name = forms.CharField(max_length=200, label="Recipient's name")
    recipient_organization = forms.CharField(max_length=200, required=False, label="Organization")
    recipient_email = forms.EmailField(label="Recipient's email", help_text="Where the records are delivered.")
    categories = forms.MultipleChoiceField(
        choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple, label="Information"
    )
    information_from = forms.DateField(widget=DATE, label="Services from")
    information_to = forms.DateField(widget=DATE, label="Services to")
    # No default: a purpose is chosen, never assumed (the legal-basis form would otherwise
    # default to "at the request of the client").
    purpose = forms.ChoiceField(choices=[("", "Choose a purpose…"), *Purpose.choices])
    purpose_detail = forms.CharField(max_length=500, required=False, label="Purpose, described", widget=forms.TextInput)

    def clean(self):
        data = super().clean()
        start, end = data.get("information_from"), data.get("information_to")
        if start and end and start > end:
            self.add_error("information_to", "The end of the period is before its start.")
        if data.get("purpose") == Purpose.OTHER and not data.get("purpose_detail", "").strip():
            self.add_error("purpose_detail", "Describe the purpose.")
        return data


class AuthorizationForm(_RequestFields):
    kind = forms.ChoiceField(choices=Authorization.Kind.choices, label="Kind of authorization")
    recipient_address = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}), label="Address"
    )
    expires_on = forms.DateField(widget=DATE, label="Expires on")
    expiration_event = forms.CharField(max_length=200, required=False, label="Or expires earlier upon (event)")
    representative_name = forms.CharField(max_length=200, required=False, label="Personal representative")
    representative_authority = forms.CharField(
        max_length=200, required=False, label="Representative's authority (e.g. parent of a minor)"
    )

    field_order = [
        "kind",
        "recipient_name",
        "recipient_organization",
        "recipient_email",
        "recipient_address",
        "categories",
        "information_from",
        "information_to",
        "purpose",
        "purpose_detail",
        "expires_on",
        "expiration_event",
        "representative_name",
        "representative_authority",
    ]

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        today = timezone.localdate()
        self.fields["expires_on"].initial = today + timedelta(days=365)
        self.fields["information_to"].initial = today

    def clean(self):
        data = super().clean()
        if data.get("kind") == Authorization.Kind.GENERAL and not data.get("categories"):
            self.add_error("categories", "Choose the information this authorization releases.")
        if data.get("expires_on") and data["expires_on"] < timezone.localdate():
            self.add_error("expires_on", "The expiration date is in the past.")
        if self.client.is_minor and not data.get("representative_name", "").strip():
            self.add_error("representative_name", "The client is a minor: name the parent or guardian who signs.")
        if data.get("representative_name") and not data.get("representative_authority", "").strip():
            self.add_error("representative_authority", "Say what authority the representative has.")
        return data


class ShareForm(_RequestFields):
    # The recipient, picked from one of the client's authorizations in force instead of
    # typed (the share page's picker fills it in; the service checks it is this client's
    # and takes the recipient from it).
    authorization = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    psychotherapy_notes = forms.BooleanField(
        required=False, label="Release the psychotherapy notes you wrote, instead of the categories above"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "authorization" in self.fields:
            # Named by the authorization when one is picked; typed otherwise (clean()).
            self.fields["recipient_name"].required = False
            self.fields["recipient_email"].required = False
            if self["authorization"].value():
                for name in ("recipient_name", "recipient_organization", "recipient_email"):
                    self.fields[name].widget.attrs["readonly"] = True
                    self.fields[name].help_text = "From the authorization."

    def clean(self):
        data = super().clean()
        if not data.get("psychotherapy_notes") and not data.get("categories"):
            self.add_error("categories", "Choose the information to release.")
        if "authorization" in self.fields and not data.get("authorization"):
            for name in ("recipient_name", "recipient_email"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, "Type the recipient, or start from an authorization above.")
        return data

    def request_fields(self) -> dict:
        d = self.cleaned_data
        return {
            "recipient_name": d["recipient_name"].strip(),
            "recipient_organization": d["recipient_organization"].strip(),
            "recipient_email": d["recipient_email"].strip(),
            "categories": frozenset() if d["psychotherapy_notes"] else frozenset(d["categories"]),
            "information_from": d["information_from"],
            "information_to": d["information_to"],
            "purpose": d["purpose"],
            "psychotherapy_notes": d["psychotherapy_notes"],
        }


class LegalDisclosureForm(ShareForm):
    # No authorization on this path: the recipient is typed.
    authorization = None
    legal_basis = forms.ChoiceField(
        choices=[("", "Choose a legal basis…"), *bases.choices()],
        help_text="Psychotherapy notes and 42 CFR Part 2 records leave only under the bases that allow them.",
    )
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        min_length=bases.MIN_JUSTIFICATION,
        max_length=2000,
        help_text="Why the law requires or permits this disclosure without consent (20 to 2,000 characters).",
    )
    court_name = forms.CharField(
        max_length=200, required=False, label="Issuing court or authority", help_text="Court order or subpoena only."
    )
    court_date = forms.DateField(widget=DATE, required=False, label="Date of the order or subpoena")
    court_reference = forms.CharField(max_length=100, required=False, label="Docket or reference number")

    def clean(self):
        data = super().clean()
        basis = bases.get(data.get("legal_basis") or "")
        if basis is not None and basis.court_details:
            for name, message in (
                ("court_name", "Name the court or authority that issued it."),
                ("court_date", "Give the date of the order or subpoena."),
                ("court_reference", "Give its docket or reference number."),
            ):
                value = data.get(name)
                if not (value.strip() if isinstance(value, str) else value):
                    self.add_error(name, message)
        if data.get("court_date") and data["court_date"] > timezone.localdate():
            self.add_error("court_date", "The date is in the future.")
        return data

    def legal_fields(self) -> dict:
        d = self.cleaned_data
        return {
            "legal_basis": d["legal_basis"],
            "justification": d["justification"],
            "purpose_detail": d["purpose_detail"],
            "court_name": d["court_name"].strip(),
            "court_date": d["court_date"],
            "court_reference": d["court_reference"].strip(),
        }


class Part2ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label="I confirm that this client receives substance-use-disorder treatment covered by 42 CFR Part 2.",
        error_messages={"required": "Confirm that the client receives treatment covered by 42 CFR Part 2."},
    )


class DecisionForm(forms.Form):
    comment = forms.CharField(
        max_length=500, required=False, label="Comment (kept with the decision)", widget=forms.TextInput
    )


def authorization_choice_label(auth: Authorization) -> str:
    what = (
        "Psychotherapy notes"
        if auth.kind == Authorization.Kind.PSYCHOTHERAPY_NOTES
        else ", ".join(auth.category_labels())
    )
    org = f", {auth.recipient_organization}" if auth.recipient_organization else ""
    return f"#{auth.pk}: {auth.recipient_name}{org} ({what}; until {auth.expires_on:%b %d, %Y})"


class SignForm(forms.Form):
    typed_name = forms.CharField(max_length=200, label="Type your full name")
    agree = forms.BooleanField(label="I agree to sign this form electronically.")
    text_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    signature_image = forms.CharField(widget=forms.HiddenInput, required=False, max_length=400_000)


class DownloadForm(forms.Form):
    code = forms.CharField(
        max_length=20,
        label="Access code",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class InvitationForm(forms.Form):
    password1 = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), label="Choose a password"
    )
    password2 = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), label="Type it again"
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data
