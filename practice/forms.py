from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from practice.identity import blind_index, normalise_identifier
from practice.models import User
from practice.roles import Role


class SignInForm(AuthenticationForm):
    error_messages = {
        # One message for every failure: no hint whether the account exists.
        "invalid_login": "That username and password did not match. Please try again.",
        "inactive": "That username and password did not match. Please try again.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self):
        typed = self.data.get("username") or ""
        if typed and "username" not in self.cleaned_data:
            # A name no account can have (a NUL, longer than any username) is still a
            # failed sign-in: authenticate() is what counts it toward the lockout. The
            # NUL is replaced because PostgreSQL text cannot hold one.
            authenticate(
                self.request, username=typed.replace("\x00", "\ufffd"), password=self.data.get("password") or ""
            )
            raise self.get_invalid_login_error()
        return super().clean()


class IndexedPasswordResetForm(PasswordResetForm):
    """Django's reset form, finding accounts by the keyed index of the typed address
    (emails are encrypted: practice.identity), then comparing the decrypted address."""

    def get_users(self, email):
        typed = (email or "").strip()
        if not typed or "\x00" in typed:
            return
        for user in User.objects.filter(email_index=blind_index(typed), is_active=True):
            if user.has_usable_password() and normalise_identifier(user.email or "") == normalise_identifier(typed):
                yield user


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "spellcheck": "false"}
        ),
    )


STAFF_ROLE_CHOICES = [(r.value, r.label) for r in (Role.COUNSELOR, Role.SUPERVISOR, Role.PRACTICE_ADMIN)]


class StaffCreateForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[\w.@+-]+\Z",
        max_length=150,
        help_text="Letters, digits and . @ + - _ only. Used to sign in.",
    )
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(help_text="A link to choose a password is sent here.")
    role = forms.ChoiceField(choices=STAFF_ROLE_CHOICES)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken.")
        return username


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(choices=STAFF_ROLE_CHOICES, label="New role")
    confirm = forms.BooleanField(
        label="I understand: their access is recomputed for the new role and they are signed out everywhere.",
        error_messages={"required": "Tick the box to confirm the change."},
    )

    def __init__(self, *args, current_role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_role = current_role
        self.fields["role"].initial = current_role

    def clean_role(self):
        role = self.cleaned_data["role"]
        if role == self.current_role:
            raise forms.ValidationError("That is already their role. Choose another one.")
        return role


class SupervisionForm(forms.Form):
    """A counselor's supervisor and pre-licensed status (records.services.set_supervision)."""

    supervisor = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="No supervisor")
    pre_licensed = forms.BooleanField(
        required=False,
        label="Pre-licensed: each note they sign waits for the supervisor's co-signature",
        help_text="Until it is co-signed, a note is left out of every disclosure package.",
    )

    def __init__(self, *args, member: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = (
            User.objects.filter(role=Role.SUPERVISOR, is_active=True).exclude(pk=member.pk).order_by("last_name")
        )
        self.fields["supervisor"].label_from_instance = lambda user: user.get_full_name() or user.username
        self.fields["supervisor"].initial = member.supervisor_id
        self.fields["pre_licensed"].initial = member.is_pre_licensed

    def clean(self):
        data = super().clean()
        if data.get("pre_licensed") and not data.get("supervisor") and "supervisor" not in self.errors:
            self.add_error("supervisor", "A pre-licensed counselor needs a supervisor to co-sign their notes.")
        return data
