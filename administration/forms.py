from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import ROLE_SCOPE, Role, ServiceUnit
from courses.models import Municipality, Provider, Run


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
            field = ROLE_SCOPE[role]
            if not cleaned.get(field):
                self.add_error(field, _("Velg hvor personen skal ha rollen."))
            else:
                cleaned["organisation"] = cleaned[field]
        return cleaned
