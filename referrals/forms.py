from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import normalise_phone
from courses.models import Run
from referrals.models import NOTE_MAX_LENGTH, Referral


def _runs_not_started(offer):
    return Run.objects.published().filter(offer=offer, starts_at__gte=timezone.now()).select_related("semester")


class ReferralForm(forms.Form):
    run = forms.ModelChoiceField(
        label=_("Hvilken gjennomføring"),
        queryset=Run.objects.none(),
        required=False,
        empty_label=_("Første ledige gjennomføring"),
    )
    name = forms.CharField(label=_("Personens navn"), max_length=150)
    birth_date = forms.DateField(
        label=_("Fødselsdato"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Brukes til å sjekke aldersgrensen."),
    )
    email = forms.EmailField(label=_("E-post"), required=False)
    phone = forms.CharField(
        label=_("Mobilnummer"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    consent = forms.BooleanField(
        label=_("Personen har sagt ja til at jeg sender denne henvisningen, og vet hva den inneholder."),
        required=True,
        error_messages={"required": _("En henvisning kan bare sendes med personens samtykke.")},
    )
    consent_method = forms.ChoiceField(
        label=_("Hvordan ble samtykket gitt?"), choices=Referral.ConsentMethod.choices, widget=forms.RadioSelect
    )
    consent_given_at = forms.DateField(
        label=_("Når ble samtykket gitt?"), widget=forms.DateInput(attrs={"type": "date"})
    )
    hold_seat = forms.BooleanField(label=_("Hold av en plass mens henvisningen behandles"), required=False)
    adaptation_needs = forms.CharField(
        label=_("Behov for tilrettelegging"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Valgfritt. For eksempel trinnfri adkomst eller tolk."),
    )
    note = forms.CharField(
        label=_("Kort notat til tilbyderen"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Valgfritt, høyst 300 tegn. Ikke skriv diagnoser, helseopplysninger eller journaltekst."),
    )

    def __init__(self, *args, offer, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["run"].queryset = _runs_not_started(offer)
        if len(units) > 1:
            self.fields["service_unit"] = forms.ModelChoiceField(label=_("Fra enhet"), queryset=units)
        self.units = units

    def clean_phone(self):
        return normalise_phone(self.cleaned_data.get("phone", ""))

    def clean_consent_given_at(self):
        value = self.cleaned_data["consent_given_at"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Samtykket kan ikke være gitt fram i tid."))
        return value

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and "phone" not in self.errors:
            raise forms.ValidationError(_("Skriv e-post eller mobilnummer, så personen kan få beskjed."))
        if cleaned.get("hold_seat") and not cleaned.get("run"):
            self.add_error("hold_seat", _("Velg en gjennomføring for å holde av en plass."))
        return cleaned

    @property
    def service_unit(self):
        return self.cleaned_data.get("service_unit") or self.units.first()


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("Grunn"), choices=Referral.DeclineReason.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Mer om grunnen"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Personen og helsearbeideren ser dette. Ikke skriv helseopplysninger."),
    )


class AcceptForm(forms.Form):
    run = forms.ModelChoiceField(label=_("Gjennomføring"), queryset=Run.objects.none(), empty_label=None)

    def __init__(self, *args, offer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["run"].queryset = _runs_not_started(offer)


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Hvorfor må du se denne henvisningen?"),
        min_length=10,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Begrunnelsen lagres, og personen får se at du har sett henvisningen."),
    )
