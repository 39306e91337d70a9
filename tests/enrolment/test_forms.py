"""The sign-up form writes its inputs in Python (enrolment.forms.InputRenderedDirectly) for speed;
the HTML must stay exactly what Django's widget templates give."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.forms.boundfield import BoundField

from enrolment.forms import SignUpForm

pytestmark = pytest.mark.django_db

ANONYMOUS = AnonymousUser()


def forms_to_compare():
    yield SignUpForm(None, user=ANONYMOUS, needs_birth_date=True, initial={"waiting_list": True})
    yield SignUpForm(None, user=ANONYMOUS, needs_birth_date=False, initial={"waiting_list": False})
    yield SignUpForm(
        None, user=ANONYMOUS, needs_birth_date=True, initial={"waiting_list": False, "birth_date": dt.date(1990, 5, 17)}
    )
    posted = [
        {"name": "Kari <b>\"&'", "email": "kari@example.org", "phone": "", "birth_date": "1990-05-17"},
        {"name": "", "email": "not an address", "phone": "12", "birth_date": "17.05.1990", "wants_reminders": "on"},
        {"name": "x" * 200, "email": "", "phone": "", "birth_date": "2999-01-01", "waiting_list": "on"},
        {"name": "Ola", "email": "", "phone": "912 34 567", "waiting_list": ""},
    ]
    for data in posted:
        for needs_birth_date in (True, False):
            form = SignUpForm(data, user=ANONYMOUS, needs_birth_date=needs_birth_date, initial={"waiting_list": False})
            form.is_valid()
            yield form


@pytest.mark.parametrize("extra_attrs", [None, {"class": "ds-input"}])
def test_inputs_written_directly_are_the_html_djangos_templates_give(extra_attrs):
    compared = 0
    for form in forms_to_compare():
        for name in form.fields:
            field = form[name]
            assert type(field) is not BoundField  # the fast path is in use
            direct = field.as_widget(attrs=dict(extra_attrs or {}))
            by_template = BoundField.as_widget(field, attrs=dict(extra_attrs or {}))
            assert direct == by_template, name
            compared += 1
    assert compared > 40
