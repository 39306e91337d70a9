import datetime as dt

import phonenumbers
from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

PHONE_REGIONS = ("NO", "DK")


def normalise_phone(raw: str) -> str:
    """A Norwegian or Danish mobile number in E.164 form, or a ValidationError with a kind message."""
    raw = raw.strip()
    if not raw:
        return ""
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) in PHONE_REGIONS:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise forms.ValidationError(
        _("Vi kjenner ikke igjen mobilnummeret. Skriv et norsk eller dansk nummer, for eksempel 912 34 567.")
    )


def check_birth_date(value: dt.date | None) -> dt.date | None:
    """A birth date a person could have: not in the future, not before 1900."""
    if value and not (dt.date(1900, 1, 1) <= value <= timezone.localdate()):
        raise forms.ValidationError(_("Sjekk fødselsdatoen. Den kan ikke være i framtiden."))
    return value


class SignupExtraForm(forms.Form):
    """What allauth's sign-up asks besides e-mail and password: only a name."""

    first_name = forms.CharField(
        label=_("Navn"),
        max_length=150,
        help_text=_("Et fornavn eller det navnet du vil bli kalt, holder."),
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )

    def signup(self, request, user):
        user.first_name = self.cleaned_data["first_name"]
        user.save(update_fields=["first_name"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "phone", "birth_date", "preferred_language", "contact_preference"]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "birth_date": forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "first_name": _("Et fornavn eller det navnet du vil bli kalt, holder."),
            "phone": _("Valgfritt. Norsk eller dansk mobilnummer."),
            "birth_date": _("Valgfritt. Brukes bare til å sjekke aldersgrenser for kurs."),
        }

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])

    def clean_birth_date(self):
        return check_birth_date(self.cleaned_data["birth_date"])


class InvitationSignupForm(forms.Form):
    name = forms.CharField(label=_("Navn"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password1 = forms.CharField(
        label=_("Passord"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )
    password2 = forms.CharField(
        label=_("Passord en gang til"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        from django.contrib.auth.password_validation import validate_password

        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("Passordene er ikke like."))
        elif first:
            try:
                validate_password(first, User(email=self.email, first_name=cleaned.get("name", "")))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AddPasskeyForm(AddWebAuthnForm):
    """allauth's form for adding a passkey, whose name field has no label of its own: Django made "Name" of it, in
    English on every page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Navn")


class EditPasskeyForm(EditWebAuthnForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Navn")
