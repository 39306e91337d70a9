"""Personal data never appears in URLs or in log output."""

import logging

import pytest
from django.urls import reverse

from tests.people import person

pytestmark = pytest.mark.django_db
PASSWORD = "Et-langt-passord-2026"


def test_account_journeys_write_no_personal_data_to_the_logs(client, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    client.post(
        reverse("account_signup"),
        {"email": "kari.nordmann@example.org", "first_name": "Kari", "password1": PASSWORD, "password2": PASSWORD},
    )
    user = person("ida.hansen@example.org", name="Ida")
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    client.post(
        reverse("accounts:profile"),
        {
            "first_name": "Ida",
            "phone": "912 34 567",
            "birth_date": "1980-05-17",
            "preferred_language": "nb",
            "contact_preference": "sms",
        },
    )
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mypage:my_data_json"))
    client.get(reverse("catalogue:list"), {"side": "999"})
    client.get("/finnes-ikke/")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mypage:delete_account"), {"confirm": "on"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ["kari.nordmann", "ida.hansen", "91234567", "912 34 567", "1980-05-17", "17.05.1980", PASSWORD]:
        assert secret not in logged, secret


def test_no_url_in_the_project_takes_personal_data_as_a_parameter():
    """URL parameters are public slugs, row numbers and one-time secrets only: never an e-mail,
    a name, a phone number or a birth date."""
    import re

    from tests.test_access_matrix import project_urls

    allowed = {
        "public_id",
        "action",
        "enrolment_id",
        "session_id",
        "fmt",
        "slug",
        "run_id",
        "pk",
        "token",
        "object_id",
        "content_type_id",
        "id",
        "uidb36",
        "key",
        "url",
        "app_label",
    }
    for route, _name in project_urls():
        parameters = set(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route))
        names = {name for pair in parameters for name in pair if name}
        assert names <= allowed, (route, names - allowed)
