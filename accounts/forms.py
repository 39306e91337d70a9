import datetime as dt

import phonenumbers
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, ServiceUnit, User
from courses.models import Municipality, Provider, Run

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
        birth_date = self.cleaned_data["birth_date"]
        if birth_date and not (dt.date(1900, 1, 1) <= birth_date <= timezone.localdate()):
            raise forms.ValidationError(_("Sjekk fødselsdatoen. Den kan ikke være i framtiden."))
        return birth_date


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-postadressen til den du inviterer"))
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices)
    service_unit = forms.ModelChoiceField(
        label=_("Tjenesteenhet (for helsearbeidere)"), queryset=ServiceUnit.objects.none(), required=False
    )
    provider = forms.ModelChoiceField(
        label=_("Tilbyder (for koordinatorer)"), queryset=Provider.objects.none(), required=False
    )
    run = forms.ModelChoiceField(
        label=_("Gjennomføring (for kursholdere)"), queryset=Run.objects.none(), required=False
    )
    municipality = forms.ModelChoiceField(
        label=_("Kommune (for administratorer)"), queryset=Municipality.objects.none(), required=False
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_unit"].queryset = ServiceUnit.objects.filter(municipality__in=municipalities)
        self.fields["provider"].queryset = Provider.objects.filter(municipality__in=municipalities)
        self.fields["run"].queryset = (
            Run.objects.filter(offer__provider__municipality__in=municipalities)
            .select_related("offer", "semester")
            .order_by("offer__title", "starts_at")
        )
        self.fields["municipality"].queryset = municipalities

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role:
            from accounts.models import ROLE_SCOPE

            field = ROLE_SCOPE[role]
            if not cleaned.get(field):
                self.add_error(field, _("Velg hvor personen skal ha rollen."))
            else:
                cleaned["organisation"] = cleaned[field]
        return cleaned


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


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Ja, jeg vil slette kontoen min. Jeg blir meldt av det jeg er påmeldt."), required=True
    )


class SuspendForm(forms.Form):
    """Nothing to fill in: the button is the confirmation."""
