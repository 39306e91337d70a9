from django import forms
from django.forms.boundfield import BoundField
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.forms import check_birth_date, normalise_phone
from courses.models import Run, Semester, Session


def _birth_date_field(required: bool):
    return forms.DateField(
        label=_("Fødselsdato"),
        required=required,
        help_text=_("Brukes bare til å sjekke aldersgrensen for kurset."),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
    )


class InputRenderedDirectly(BoundField):
    """A field whose ``<input>`` is written in Python, the same HTML as Django's ``input.html`` and
    ``attrs.html`` templates give (tests/enrolment/test_forms.py compares them), without a trip through
    the template engine for each field. The sign-up form is the busiest form in the portal; other widgets
    (selects, text areas) still render through their templates."""

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        widget = widget or self.field.widget
        if only_initial or self.field.localize or widget.template_name not in _INPUT_TEMPLATES:
            return super().as_widget(widget, attrs, only_initial)
        attrs = self.build_widget_attrs(attrs or {}, widget)
        if self.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", self.auto_id)
        context = widget.get_context(self.html_name, self.value(), attrs)["widget"]
        html = ['<input type="', escape(context["type"]), '" name="', conditional_escape(context["name"]), '"']
        if context["value"] is not None:
            html += [' value="', conditional_escape(str(context["value"])), '"']
        for name, value in context["attrs"].items():
            if value is True:
                html += [" ", conditional_escape(name)]
            elif value is not False:
                html += [" ", conditional_escape(name), '="', conditional_escape(str(value)), '"']
        html.append(">")
        return mark_safe("".join(html))  # noqa: S308  (every part above is escaped, as the template does)


_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in ("input", "text", "email", "date", "hidden", "checkbox", "number", "tel")
)


class SignUpForm(forms.Form):
    """Signing up for a run: a signed-in person only confirms; others give name, contact and birth date."""

    bound_field_class = InputRenderedDirectly

    name = forms.CharField(
        label=_("Navn"),
        max_length=150,
        help_text=_("Et fornavn eller det navnet du vil bli kalt, holder."),
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    email = forms.EmailField(
        label=_("E-post"),
        required=False,
        help_text=_("Hit sender vi bekreftelsen og en lenke for å melde deg av."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Mobilnummer"),
        required=False,
        max_length=20,
        help_text=_("Har du ikke e-post, holder det med mobilnummer. Da ringer vi deg."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    birth_date = _birth_date_field(required=False)
    wants_reminders = forms.BooleanField(label=_("Send meg en påminnelse dagen før hver samling"), required=False)
    waiting_list = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # Left empty by people, filled in by programs that fill in every field (sign_up_form.html hides it).
    homepage = forms.CharField(
        label=_("La dette feltet stå tomt"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, user, needs_birth_date: bool | None, **kwargs):
        """``needs_birth_date``: whether the offer has an age limit; None where that is not known yet (a posted
        form is read before its run, and the sign-up checks the age limit), so a birth date is taken if given."""
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_authenticated:
            for name in ("name", "email", "phone", "homepage"):
                del self.fields[name]
            if needs_birth_date is False or user.birth_date:
                del self.fields["birth_date"]
        elif needs_birth_date is False:
            del self.fields["birth_date"]
        if "birth_date" in self.fields:
            self.fields["birth_date"].required = bool(needs_birth_date)

    def clean_phone(self):
        return normalise_phone(self.cleaned_data.get("phone", ""))

    def clean_birth_date(self):
        return check_birth_date(self.cleaned_data.get("birth_date"))

    def clean_homepage(self):
        if self.cleaned_data.get("homepage"):
            raise forms.ValidationError(_("La dette feltet stå tomt."))
        return ""

    def clean(self):
        cleaned = super().clean()
        if (
            not self.user.is_authenticated
            and not cleaned.get("email")
            and not cleaned.get("phone")
            and "email" not in self.errors
            and "phone" not in self.errors
        ):
            raise forms.ValidationError(_("Skriv e-postadressen din eller mobilnummeret ditt, så vi kan nå deg."))
        return cleaned


class CodeForm(forms.Form):
    """The code from the e-mail or text message that confirms a seat held for a sign-up without an account."""

    code = forms.RegexField(
        label=_("Koden fra e-posten eller SMS-en"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Koden er seks sifre. Sjekk den og prøv igjen.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "8"}),
    )


class ConfirmForm(forms.Form):
    """Nothing to fill in: the button is the confirmation."""


class RemindersForm(forms.Form):
    """One button that turns reminders on or off: what it asks for travels in a hidden field."""

    wants = forms.BooleanField(required=False, widget=forms.HiddenInput)


class SemesterForm(forms.ModelForm):
    class Meta:
        model = Semester
        fields = ["name", "starts_on", "ends_on"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] <= cleaned["starts_on"]:
            self.add_error("ends_on", _("Semesteret må slutte etter at det starter."))
        return cleaned


class CopySemesterForm(forms.Form):
    source = forms.ModelChoiceField(label=_("Kopier fra"), queryset=Semester.objects.all())
    target = forms.ModelChoiceField(label=_("Til"), queryset=Semester.objects.all())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("source") and cleaned.get("source") == cleaned.get("target"):
            self.add_error("target", _("Velg et annet semester enn det du kopierer fra."))
        return cleaned


class ConfirmCopyForm(CopySemesterForm):
    """The copy the coordinator saw and confirms: the semesters, and the fingerprint of the plan shown
    (enrolment.services.semesters.CopyPlan), so that a plan changed in between is shown again, not saved. Without
    one, nothing was shown, so the plan is shown."""

    plan = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


class RegistrationForm(forms.Form):
    opens_at = forms.DateTimeField(
        label=_("Påmeldingen åpner"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=_("Påmeldingsfrist"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    continuing_until = forms.DateTimeField(
        label=_("Plasser holdes for dem som fortsetter, til"),
        required=False,
        help_text=_("Valgfritt. Før dette kan bare deltakere fra forrige semester melde seg på."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Fristen må være etter at påmeldingen åpner."))
        continuing = cleaned.get("continuing_until")
        if continuing and closes and continuing >= closes:
            self.add_error("continuing_until", _("Dette må være før påmeldingsfristen."))
        return cleaned


class RunForm(forms.ModelForm):
    class Meta:
        model = Run
        fields = [
            "name",
            "capacity",
            "facilitators",
            "registration_opens_at",
            "registration_closes_at",
            "continuing_until",
        ]
        widgets = {
            "registration_opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "registration_closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "continuing_until": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["starts_at", "ends_at", "location", "theme"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_at") and cleaned.get("ends_at") and cleaned["ends_at"] <= cleaned["starts_at"]:
            self.add_error("ends_at", _("Samlingen må slutte etter at den starter."))
        return cleaned


SessionFormSet = forms.inlineformset_factory(Run, Session, form=SessionForm, extra=1, can_delete=True)


class AddPersonForm(forms.Form):
    name = forms.CharField(label=_("Navn"), max_length=150)
    email = forms.EmailField(label=_("E-post"), required=False)
    phone = forms.CharField(label=_("Mobilnummer"), required=False, max_length=20)
    birth_date = _birth_date_field(required=False)

    def clean_phone(self):
        return normalise_phone(self.cleaned_data.get("phone", ""))

    def clean_birth_date(self):
        return check_birth_date(self.cleaned_data.get("birth_date"))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and not self.errors:
            raise forms.ValidationError(_("Skriv e-post eller mobilnummer, så personen kan nås."))
        return cleaned


class MoveForm(forms.Form):
    to_run = forms.ModelChoiceField(label=_("Flytt til"), queryset=Run.objects.none())

    def __init__(self, *args, runs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_run"].queryset = runs


class PriorityForm(forms.Form):
    priority = forms.IntegerField(
        label=_("Prioritet"), min_value=-100, max_value=100, help_text=_("Høyere tall kommer først.")
    )
    reason = forms.CharField(
        label=_("Begrunnelse"),
        max_length=500,
        help_text=_("Kort og uten helseopplysninger. Begrunnelsen lagres i loggen."),
    )


class CompletionForm(forms.Form):
    completed = forms.TypedChoiceField(
        label=_("Resultat"),
        choices=[("1", _("Fullført")), ("0", _("Sluttet"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
