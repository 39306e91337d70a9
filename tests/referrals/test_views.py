import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role
from audit.models import AccessEvent
from referrals.models import Referral
from tests.people import person

pytestmark = pytest.mark.django_db


def form_data(run, **changes):
    """The referral form as a worker fills it in, holding a seat."""
    return {
        "run": run.pk,
        "name": "Ola",
        "birth_date": "1980-05-17",
        "email": "ola@example.org",
        "phone": "",
        "consent": "on",
        "consent_method": "spoken",
        "consent_given_at": "2026-11-20",
        "hold_seat": "on",
        "adaptation_needs": "",
        "note": "",
        **changes,
    }


def test_a_health_worker_refers_from_the_offer_page_with_a_held_seat(
    client, worker, run, django_capture_on_commit_callbacks
):
    client.force_login(worker)
    page = client.get(run.offer.get_absolute_url()).text
    assert reverse("referrals:refer", kwargs={"slug": run.offer.slug}) in page
    form = client.get(reverse("referrals:refer", kwargs={"slug": run.offer.slug})).text
    assert "Ikke skriv diagnoser" in form
    data = form_data(run, note="Liker leire")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("referrals:refer", kwargs={"slug": run.offer.slug}), data)
    referral = Referral.objects.get()
    assert response.url == reverse("referrals:detail", kwargs={"public_id": referral.public_id})
    assert referral.enrolment.status == "held"
    person_mail = next(m for m in mail.outbox if m.to == ["ola@example.org"])
    assert "Liker leire" not in person_mail.body and "/min-side/henvisninger/" in person_mail.body
    assert "Liker leire" in client.get(response.url).text
    assert "Keramikk" in client.get(reverse("referrals:list")).text


def test_missing_consent_is_refused_with_a_kind_message(client, worker, run):
    client.force_login(worker)
    data = {
        "name": "Ola",
        "birth_date": "1980-05-17",
        "email": "ola@example.org",
        "consent_method": "spoken",
        "consent_given_at": "2026-11-20",
    }
    response = client.post(reverse("referrals:refer", kwargs={"slug": run.offer.slug}), data)
    assert response.status_code == 200
    assert "bare sendes med personens samtykke" in response.text
    assert not Referral.objects.exists()


def test_the_coordinator_sees_the_inbox_oldest_first_and_accepts(client, refer, coordinator):
    first, _ = refer(email="first@example.org")
    second, _ = refer(email="second@example.org")
    client.force_login(coordinator)
    inbox = client.get(reverse("referrals:inbox")).text
    assert inbox.index(str(first.public_id)) < inbox.index(str(second.public_id))  # oldest first
    detail_url = reverse("referrals:inbox_detail", kwargs={"public_id": first.public_id})
    assert "Ola" in client.get(detail_url).text
    first.refresh_from_db()
    assert first.status == Referral.Status.SEEN
    client.post(reverse("referrals:accept", kwargs={"public_id": first.public_id}), {"run": first.run_id})
    first.refresh_from_db()
    assert first.status == Referral.Status.ACCEPTED
    assert client.get(detail_url).status_code == 404  # answered: no longer in the inbox


def test_the_person_sees_the_referral_and_who_has_read_it_and_can_withdraw(client, refer, coordinator):
    referral, _ = refer(hold_seat=True, note="Et notat")
    reader = client.__class__()
    reader.force_login(coordinator)
    reader.get(reverse("referrals:inbox_detail", kwargs={"public_id": referral.public_id}))
    url = reverse("referrals:about_me", kwargs={"public_id": referral.public_id})
    client.force_login(referral.person)
    page = client.get(url).text
    assert "Tonje" in page and "Et notat" in page
    client.post(reverse("referrals:about_me_answer", kwargs={"public_id": referral.public_id, "action": "withdraw"}))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN and referral.note == ""


def test_the_person_can_answer_from_the_email_link_without_an_account(
    client, refer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _referral, _ = refer()
    link = re.search(r"http://\S+/min-side/henvisninger/\S+", mail.outbox[0].body).group(0).split("8000", 1)[1]
    assert client.get(link).status_code == 200
    assert client.get(link.split("?")[0]).status_code == 404


def test_every_read_is_logged(client, refer, worker, coordinator):
    referral, _ = refer()
    client.force_login(worker)
    client.get(reverse("referrals:detail", kwargs={"public_id": referral.public_id}))
    client.get(reverse("referrals:list"))
    client.force_login(coordinator)
    client.get(reverse("referrals:inbox"))
    actions = sorted(AccessEvent.objects.filter(subject=referral.person).values_list("action", flat=True))
    assert actions == ["referral.listed", "referral.listed", "referral.viewed"]


def test_other_health_workers_and_admins_cannot_read_it(client, refer, unit):
    from accounts.models import Role, ServiceUnit
    from tests.people import member

    referral, _ = refer()
    other_unit = ServiceUnit.objects.create(name="Annen", slug="annen", municipality=unit.municipality)
    other = person("other.worker@example.org", mfa=True)
    member(other, Role.HEALTH_WORKER, other_unit)
    client.force_login(other)
    assert client.get(reverse("referrals:detail", kwargs={"public_id": referral.public_id})).status_code == 404
    admin = person("admin@example.org", mfa=True)
    member(admin, Role.MUNICIPALITY_ADMIN, unit.municipality)
    client.force_login(admin)
    assert client.get(reverse("referrals:detail", kwargs={"public_id": referral.public_id})).status_code == 404
    listing = client.get(reverse("referrals:break_glass_list")).text
    assert "Ola" not in listing
    url = reverse("referrals:break_glass", kwargs={"public_id": referral.public_id})
    assert "Ola" not in client.get(url).text
    page = client.post(url, {"reason": "Personen har klaget og ber oss se på saken"}).text
    assert "Ola" in page
    assert AccessEvent.objects.filter(action="referral.break_glass", actor=admin).exists()


def test_a_shared_caseload_lets_colleagues_follow_the_referral(client, refer, unit):
    from accounts.models import Role
    from tests.people import member

    unit.shares_caseload = True
    unit.save()
    referral, _ = refer()
    colleague = person("colleague@example.org", mfa=True)
    member(colleague, Role.HEALTH_WORKER, unit)
    client.force_login(colleague)
    assert client.get(reverse("referrals:detail", kwargs={"public_id": referral.public_id})).status_code == 200


def test_a_referral_outside_the_age_limits_is_refused_at_the_birth_date_with_everything_typed_kept(client, worker, run):
    client.force_login(worker)
    data = {
        "run": run.pk,
        "name": "Ola",
        "birth_date": "1950-05-17",
        "email": "ola@example.org",
        "consent": "on",
        "consent_method": "spoken",
        "consent_given_at": "2026-11-20",
        "note": "Liker leire",
    }
    response = client.post(reverse("referrals:refer", kwargs={"slug": run.offer.slug}), data)
    assert response.status_code == 200
    assert "Tilbudet er for dem som er 18–67 år, og personen er utenfor aldersgrensen." in response.text
    assert 'id="id_birth_date_error"' in response.text or "birth_date" in response.context["form"].errors
    assert "Liker leire" in response.text and 'value="ola@example.org"' in response.text
    assert not Referral.objects.exists()


def test_an_offer_one_applies_for_says_so_before_the_worker_types_anything(client, worker, run):
    from courses.models import Offer

    Offer.objects.filter(pk=run.offer_id).update(join_method=Offer.JoinMethod.APPLICATION)
    client.force_login(worker)
    assert (
        reverse("referrals:refer", kwargs={"slug": run.offer.slug}) not in client.get(run.offer.get_absolute_url()).text
    )
    page = client.get(reverse("referrals:refer", kwargs={"slug": run.offer.slug})).text
    assert "søker personen selv" in page and "<form" not in page.split("<main", 1)[1].split("</main>")[0]


def _sent_and_shown_to_the_worker(client, worker, run, email):
    """Refer "Someone Else" at the address, as the form does; the page the worker is taken to and their list, with
    what differs from one referral to the next (its id, the form's token, the clock) blanked."""
    client.force_login(worker)
    data = form_data(run, name="Someone Else", email=email)
    response = client.post(reverse("referrals:refer", kwargs={"slug": run.offer.slug}), data, follow=True)
    referral = Referral.objects.get(email=email, referrer=worker)
    pages = [response.text, client.get(reverse("referrals:list")).text]
    Referral.objects.filter(pk=referral.pk).delete()  # the next address meets the same run and list
    referral.enrolment and referral.enrolment.delete()
    blanked = [
        re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]+"|<time datetime="[^"]+">[^<]+</time>',
            "",
            page.replace(str(referral.public_id), "ID"),
        )
        for page in pages
    ]
    return [page.replace(email, "ADDRESS") for page in blanked]


def test_a_worker_sees_what_they_typed_and_the_same_pages_whoever_the_address_belongs_to(client, worker, run, refer):
    """An address with an account (another name, a place on the run already, an open referral from another unit)
    answers exactly as an address the portal has never seen."""
    from accounts.models import ServiceUnit
    from audit.acting import Acting
    from enrolment.services import places
    from tests.people import member

    unknown = _sent_and_shown_to_the_worker(client, worker, run, "ny@example.org")
    assert "Someone Else" in unknown[0] and "Someone Else" in unknown[1]

    kari = person("kari@example.org", name="Kari Konto", birth_date=dt.date(1975, 1, 1))
    assert _sent_and_shown_to_the_worker(client, worker, run, "kari@example.org") == unknown

    places.sign_up(run_id=run.pk, person=kari, acting=Acting.citizen(kari))
    assert _sent_and_shown_to_the_worker(client, worker, run, "kari@example.org") == unknown

    other_unit = ServiceUnit.objects.create(name="Bydel Alna", slug="alna", municipality=run.offer.municipality)
    colleague = person("annen@example.org")
    member(colleague, Role.HEALTH_WORKER, other_unit)
    refer(referrer=colleague, service_unit=other_unit, run=None, name="Kari", email="kari@example.org")
    assert _sent_and_shown_to_the_worker(client, worker, run, "kari@example.org") == unknown
    kari.refresh_from_db()
    assert kari.first_name == "Kari Konto" and kari.birth_date == dt.date(1975, 1, 1)
