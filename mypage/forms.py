from django import forms
from django.utils.translation import gettext_lazy as _


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Ja, jeg vil slette kontoen min. Jeg blir meldt av det jeg er påmeldt."), required=True
    )
