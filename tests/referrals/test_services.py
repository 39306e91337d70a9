import datetime as dt
import logging

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AccessEvent
from enrolment import services as enrolment_services
from enrolment.models import Enrolment
from referrals import services
from referrals.models import Referral
from tests import factories
from tests.people import person

pytestmark = pytest.mark.django_db
Status = Referral.Status


def test_consent_missing_is_refused(refer):
    with pytest.raises(services.ReferralRefusal, match="samtykke"):
        refer(consent_method="")
    with pytest.raises(services.ReferralRefusal, match="samtykke"):
        refer(consent_given_at=None)
    assert not Referral.objects.exists()


def test_a_note_longer_than_the_limit_is_refused(refer):
    with pytest.raises(services.ReferralRefusal, match="300"):
        refer(note="x" * 301)


def test_a_referral_with_a_held_seat_counts_against_capacity(refer, run):
    referral, held = refer(hold_seat=True)
    assert held and referral.enrolment.status == Enrolment.Status.HELD
    assert enrolment_services.count_seats(run).free == 1
    enrolment_services.sign_up(
        run_id=run.pk,
        person=person("a@example.org", birth_date=dt.date(1990, 1, 1)),
        acting=enrolment_services.Acting(user=None),
    )
    with pytest.raises(enrolment_services.RunFull):
        enrolment_services.sign_up(
            run_id=run.pk,
            person=person("b@example.org", birth_date=dt.date(1990, 1, 1)),
            acting=enrolment_services.Acting(user=None),
        )


def test_the_same_person_is_never_duplicated(refer):
    existing = person("ola@example.org", name="Ola")
    referral, _held = refer()
    assert referral.person == existing


def test_accepting_turns_the_held_seat_into_a_place_and_tells_both(
    refer, coordinator, django_capture_on_commit_callbacks
):
    referral, _ = refer(hold_seat=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.accept(referral_id=referral.pk, coordinator=coordinator)
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED and referral.enrolment.status == Enrolment.Status.CONFIRMED
    assert referral.enrolment.source == Enrolment.Source.REFERRAL
    assert {"ola@example.org", "worker@example.org"} <= {m.to[0] for m in mail.outbox}


def test_accepting_when_full_puts_the_person_on_the_waiting_list(refer, coordinator, run):
    factories.confirmed(run, 2)
    referral, held = refer(hold_seat=True)
    assert not held
    services.accept(referral_id=referral.pk, coordinator=coordinator)
    referral.refresh_from_db()
    assert referral.status == Status.WAITLISTED


def test_accepting_onto_a_run_of_another_offer_is_refused_kindly_and_changes_nothing(refer, coordinator, run):
    """The form only lists the offer's runs; the service holds the rule itself, whoever calls it."""
    referral, _ = refer(hold_seat=True)
    elsewhere = factories.run(offer=factories.offer(title="Veving", provider=run.offer.provider), capacity=5)
    with pytest.raises(services.ReferralRefusal, match="hører ikke til dette tilbudet") as refused:
        services.accept(referral_id=referral.pk, coordinator=coordinator, run_id=elsewhere.pk)
    assert refused.value.code == "run"
    referral.refresh_from_db()
    assert referral.status == Status.SENT and referral.run_id == run.pk
    assert referral.enrolment.status == Enrolment.Status.HELD
    assert not Enrolment.objects.filter(run=elsewhere).exists()


def test_declining_needs_a_reason_and_frees_the_held_seat(refer, coordinator, run):
    referral, _ = refer(hold_seat=True)
    with pytest.raises(services.ReferralRefusal):
        services.decline(referral_id=referral.pk, coordinator=coordinator, reason="because")
    services.decline(
        referral_id=referral.pk, coordinator=coordinator, reason="not_a_match", text="Passer bedre hos LMS"
    )
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED and referral.closed_at
    assert enrolment_services.count_seats(run).free == 2


def test_withdrawing_erases_the_note_and_frees_the_seat_at_once(refer, run):
    referral, _ = refer(hold_seat=True, note="Liker å jobbe med hendene", adaptation_needs="Trinnfri adkomst")
    services.withdraw(referral_id=referral.pk, person=referral.person)
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN
    assert (referral.note, referral.adaptation_needs) == ("", "")
    assert enrolment_services.count_seats(run).free == 2


def test_retention_erases_exactly_what_is_due(refer, coordinator, run):
    old, _ = refer(email="old@example.org", note="gammel")
    young, _ = refer(email="young@example.org", note="ny")
    open_one, _ = refer(email="open@example.org", note="åpen")
    for referral in (old, young):
        services.decline(referral_id=referral.pk, coordinator=coordinator, reason="full", text="fullt")
    Referral.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=200))
    assert services.erase_expired() == 1
    old.refresh_from_db(), young.refresh_from_db(), open_one.refresh_from_db()
    assert old.person is None and old.note == "" and old.decline_text == "" and old.erased_at
    assert young.person is not None and young.note == "ny"
    assert open_one.note == "åpen"
    # counts for reports survive
    assert Referral.objects.filter(offer=run.offer).count() == 3


def test_unanswered_referrals_remind_the_coordinators_once(refer, coordinator, django_capture_on_commit_callbacks):
    _referral, _ = refer()
    later = timezone.now() + dt.timedelta(days=6)
    assert services.remind_unanswered(now=later) == 1
    assert services.remind_unanswered(now=later) == 0
    assert mail.outbox[-1].to == ["coordinator@example.org"]


def test_the_usual_response_time_is_computed_from_real_answers(refer, coordinator, run):
    for n in range(3):
        referral, _ = refer(email=f"p{n}@example.org")
        Referral.objects.filter(pk=referral.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
        services.ask_for_contact(referral_id=referral.pk, coordinator=coordinator)
    assert services.usual_response_days(run.offer.provider) == 3


def test_break_glass_needs_a_written_reason_and_is_shown_to_the_person(refer):
    referral, _ = refer()
    admin = person("admin@example.org")
    with pytest.raises(services.ReferralRefusal):
        services.break_glass(referral=referral, admin=admin, reason="kort")
    services.break_glass(referral=referral, admin=admin, reason="Klage fra personen, må undersøkes")
    event = AccessEvent.objects.get(action="referral.break_glass")
    assert event.subject == referral.person and "Klage" in event.reason


def test_started_and_completed_follow_the_enrolment(refer, coordinator, run):
    referral, _ = refer(hold_seat=True)
    services.accept(referral_id=referral.pk, coordinator=coordinator)
    referral.refresh_from_db()
    session = run.sessions.first()
    enrolment_services.record_attendance(
        session=session, marks={referral.enrolment_id: "present"}, acting=enrolment_services.Acting(user=coordinator)
    )
    referral.refresh_from_db()
    assert referral.status == Status.STARTED
    enrolment_services.set_completion(
        enrolment_id=referral.enrolment_id, completed=True, acting=enrolment_services.Acting(user=coordinator)
    )
    referral.refresh_from_db()
    assert referral.status == Status.COMPLETED


def test_emails_and_logs_never_carry_notes_or_birth_dates(
    refer, coordinator, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    note = "Hemmelig notat om hverdagen"
    with django_capture_on_commit_callbacks(execute=True):
        referral, _ = refer(hold_seat=True, note=note, adaptation_needs="Tolk på arabisk")
        services.accept(referral_id=referral.pk, coordinator=coordinator)
        services.remind_unanswered(now=timezone.now() + dt.timedelta(days=10))
    texts = [m.subject + m.body for m in mail.outbox] + [r.getMessage() for r in caplog.records]
    assert mail.outbox
    for text in texts:
        for secret in (note, "Tolk på arabisk", "1980-05-17", "17.05.1980", "17. mai 1980"):
            assert secret not in text
