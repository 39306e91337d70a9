"""Which fields of other people's records each role's pages show, not only which pages each role reaches.

The access matrix (tests/test_access_matrix.py) checks that every role gets the right status on every URL. This
checks what those pages say: one person's records hold personal values nobody would type by chance (a name,
e-mail, mobile number, birth date, a referral's note and adaptation needs), and every page of the matrix that a
role may read is rendered and searched for them. A value that shows for a role the rules do not give it fails.
"""

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import formats, translation
from openpyxl import load_workbook

from referrals.models import Referral
from tests.test_access_matrix import MATRIX, ROLES, client_for
from tests.test_access_matrix import world as world  # the fixture

pytestmark = pytest.mark.django_db

NAME = "Ingeborg Quorvald"
EMAIL = "ingeborg.quorvald@example.org"
PHONE = "+4791357924"
BIRTH_DATE = dt.date(1971, 4, 13)
# What the health worker typed into the referral: another name, address and number than her account's.
TYPED_NAME = "Someone Typedname"
TYPED_EMAIL = "someone.typed@example.org"
TYPED_PHONE = "+4791122334"
TYPED_BIRTH_DATE = dt.date(1972, 6, 21)
NOTE = "Liker-veving-4711"
ADAPTATION = "Trinnfri-inngang-0815"

# Who may see each of the person's values. She (the citizen) sees all her own; the health worker who referred her
# sees what they wrote, never what her account says; her run's coordinator and facilitator see who takes part and
# how to reach them; the coordinator sees the referral while it is open. Nobody else: not another citizen, a worker
# in another unit, the other provider's coordinator, nor the municipality admin (dates and statuses only, unless
# they break the glass).
SEES_WHO = {"citizen", "coordinator", "facilitator", "superuser"}
SEES_REFERRAL = {"citizen", "health_worker", "coordinator"}
ALLOWED = {
    "name": SEES_WHO,
    "e-mail": SEES_WHO,
    "mobile": SEES_WHO,
    "birth date": {"citizen", "coordinator"},
    "typed name": SEES_REFERRAL,
    "typed e-mail": SEES_REFERRAL,
    "typed mobile": SEES_REFERRAL,
    "typed birth date": SEES_REFERRAL,
    "note": SEES_REFERRAL,
    "adaptation needs": SEES_REFERRAL,
}


def written(day: dt.date) -> list[str]:
    """The ways a page may write a date, in every language."""
    forms = {day.isoformat(), day.strftime("%d.%m.%Y"), day.strftime("%-d.%-m.%Y")}
    for language in ("nb", "nn", "da", "en"):
        with translation.override(language):
            for name in ("DATE_FORMAT", "SHORT_DATE_FORMAT"):
                forms.add(formats.date_format(day, name))
    return sorted(forms)


def text_of(response) -> str:
    """What the response says: a page, a CSV file, or every cell of a spreadsheet."""
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        sheet = load_workbook(io.BytesIO(response.content)).active
        return "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)
    return response.content.decode("utf-8-sig")


@pytest.fixture
def ingeborg(world):
    """The citizen of the matrix's world, with values nobody would type by chance, on the run and referred."""
    person = world.people["citizen"]
    person.first_name, person.phone, person.birth_date = NAME, PHONE, BIRTH_DATE
    person.email = EMAIL
    person.save()
    person.emailaddress_set.update(email=EMAIL)
    Referral.objects.filter(pk=world.referral.pk).update(
        name=TYPED_NAME,
        email=TYPED_EMAIL,
        phone=TYPED_PHONE,
        birth_date=TYPED_BIRTH_DATE,
        note=NOTE,
        adaptation_needs=ADAPTATION,
    )
    return person


def secrets() -> dict[str, list[str]]:
    return {
        "name": [NAME],
        "e-mail": [EMAIL],
        "mobile": [PHONE, "913 57 924", "91357924"],
        "birth date": written(BIRTH_DATE),
        "typed name": [TYPED_NAME],
        "typed e-mail": [TYPED_EMAIL],
        "typed mobile": [TYPED_PHONE, "911 22 334", "91122334"],
        "typed birth date": written(TYPED_BIRTH_DATE),
        "note": [NOTE],
        "adaptation needs": [ADAPTATION],
    }


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_a_role_a_personal_value_the_rules_do_not_give_it(world, ingeborg, role):
    client = client_for(world, role) if role != "citizen" else Client()
    if role == "citizen":
        client.force_login(ingeborg)
    found = []
    for name, cases in MATRIX.items():
        for case in cases:
            if case.method != "get" or case.expected[role] != 200 or name == "admin/":
                continue
            url = case.url(world) if callable(case.url) else case.url
            page = text_of(client.get(url, case.data))
            for kind, values in secrets().items():
                if role in ALLOWED[kind]:
                    continue
                found += [f"{url} ({name}) shows her {kind}: {value!r}" for value in values if value in page]
    assert not found, f"{role} sees:\n" + "\n".join(found)


def test_the_change_log_says_a_referral_was_sent_and_not_whom_it_is_about(world, ingeborg):
    client = client_for(world, "municipality_admin")
    page = client.get("/forvaltning/logg/").content.decode()
    assert "Henvisningen ble sendt" in page and "En innbygger" in page
    assert "Helsearbeider, Bydel Grorud" in page  # the role and the organisation in words
    assert world.people["health_worker"].email in page  # staff are named


def test_searching_the_change_log_for_a_citizen_finds_what_searching_for_nobody_finds(world, ingeborg):
    client = client_for(world, "municipality_admin")

    def rows(address):
        page = client.get("/forvaltning/logg/", {"person": address}).content.decode()
        return page.split("<tbody>")[1].split("</tbody>")[0]

    assert rows(EMAIL) == rows("nobody-at-all@example.org")
    assert "Ingen endringer passer med filteret." in rows(EMAIL)
    assert world.people["health_worker"].email in rows(world.people["health_worker"].email)
