import datetime as dt
import logging

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role, ServiceUnit, User
from audit.acting import Acting
from audit.models import AccessEvent, AuditEvent
from base.refusals import Refusal
from courses.models import Offer
from enrolment.models import Enrolment
from enrolment.refusals import EnrolmentRefusal, RunFull
from enrolment.seats import count_seats
from enrolment.services import attendance, places, runs, waiting_list
from referrals import access, services
from referrals.models import Referral
from referrals.views import _timeline
from tests import factories
from tests.people import member, person

pytestmark = pytest.mark.django_db
Status = Referral.Status
# Attendance is taken from the day of a session, and a run completed once its last session has begun.
AFTER_THE_RUNS = timezone.now() + dt.timedelta(days=365)


def test_consent_missing_is_refused(refer):
    with pytest.raises(Refusal, match="samtykke"):
        refer(consent_method="")
    with pytest.raises(Refusal, match="samtykke"):
        refer(consent_given_at=None)
    assert not Referral.objects.exists()


def test_a_note_longer_than_the_limit_is_refused(refer):
    with pytest.raises(Refusal, match="300"):
        refer(note="x" * 301)


def test_a_referral_with_a_held_seat_counts_against_capacity(refer, run):
    referral, held = refer(hold_seat=True)
    assert held and referral.enrolment.status == Enrolment.Status.HELD
    assert count_seats(run).free == 1
    places.sign_up(
        run_id=run.pk,
        person=person("a@example.org", birth_date=dt.date(1990, 1, 1)),
        acting=Acting.system(),
    )
    with pytest.raises(RunFull):
        places.sign_up(
            run_id=run.pk,
            person=person("b@example.org", birth_date=dt.date(1990, 1, 1)),
            acting=Acting.system(),
        )


def test_the_same_person_is_never_duplicated(refer):
    existing = person("ola@example.org", name="Ola")
    referral, _held = refer()
    assert referral.person == existing


def test_a_referral_keeps_what_the_worker_typed_and_never_changes_the_account_the_address_belongs_to(refer):
    kari = person("kari@example.org", name="Kari Konto", phone="+4790000000")
    referral, _held = refer(name="Someone Else", email=" Kari@Example.org ", phone="+4791111111")
    assert (referral.name, referral.email, referral.phone, referral.birth_date) == (
        "Someone Else",
        "kari@example.org",
        "+4791111111",
        dt.date(1980, 5, 17),
    )
    assert referral.person == kari  # kept for the seat and the place; only Kari sees it, on her own page
    kari.refresh_from_db()
    assert (kari.first_name, kari.phone, kari.birth_date) == ("Kari Konto", "+4790000000", None)


def test_the_duplicate_check_covers_the_unit_s_own_referrals_by_the_typed_address_only(refer, run):
    """A unit is told it already sent one; another unit's open referral for the same address says nothing, since
    saying so would tell the worker that someone else has referred this person."""
    refer(email="ola@example.org")
    with pytest.raises(Refusal) as refused:
        refer(email="OLA@example.org", name="Ola Nordmann")
    assert refused.value.code == "duplicate"
    other_unit = ServiceUnit.objects.create(name="Bydel Alna", slug="alna", municipality=run.offer.municipality)
    colleague = person("annen@example.org")
    member(colleague, Role.HEALTH_WORKER, other_unit)
    second, _held = refer(email="ola@example.org", referrer=colleague, service_unit=other_unit)
    assert Referral.objects.open().filter(person=second.person).count() == 2


@pytest.mark.parametrize("who", ["new", "has_an_account", "already_on_the_run"])
def test_the_worker_hears_a_seat_is_held_whatever_the_portal_knows_of_the_address(refer, run, who):
    if who != "new":
        known = person("ola@example.org", name="Ola Kjent", birth_date=dt.date(1980, 5, 17))
    if who == "already_on_the_run":
        places.sign_up(run_id=run.pk, person=known, acting=Acting.citizen(known))
    referral, held = refer(hold_seat=True)
    assert held and referral.seat_held_for_referrer == referral.seat_held_until
    assert (referral.enrolment is not None) == (who != "already_on_the_run")  # what the provider sees


def test_the_worker_hears_no_seat_is_held_only_when_the_run_has_none_free(refer, run):
    factories.confirmed(run, 2)
    referral, held = refer(hold_seat=True)
    assert not held and referral.seat_held_until is None and referral.enrolment is None


@pytest.mark.parametrize("hold_seat", [True, False], ids=["held_seat", "free_seat"])
def test_accepting_gives_the_person_a_place_and_tells_each_of_them_once(
    refer, coordinator, hold_seat, django_capture_on_commit_callbacks
):
    """The person's one e-mail is the confirmation, with the dates, the calendar file and the link to cancel;
    the worker gets a link to the referral."""
    referral, _ = refer(hold_seat=hold_seat)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.accept(referral_id=referral.pk, coordinator=coordinator)
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED and referral.enrolment.status == Enrolment.Status.CONFIRMED
    assert referral.enrolment.source == Enrolment.Source.REFERRAL
    [confirmation] = to("ola@example.org")
    assert confirmation.subject == "Du er påmeldt: Keramikk"
    assert "Her er datoene:" in confirmation.body and "/avmeld/" in confirmation.body
    assert [part.get_content_type() for part in confirmation.attachments] == ["text/calendar"]
    [notice] = to("worker@example.org")
    assert_a_bare_notice(notice)
    assert len(mail.outbox) == 2


def test_accepting_onto_a_full_run_tells_the_person_their_place_in_the_queue_once(
    refer, coordinator, run, django_capture_on_commit_callbacks
):
    factories.confirmed(run, 2)
    referral, _ = refer()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.accept(referral_id=referral.pk, coordinator=coordinator)
    [waiting] = to("ola@example.org")
    assert "Du er nummer 1 av 1." in waiting.body
    assert len(to("worker@example.org")) == 1 and len(mail.outbox) == 2


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
    with pytest.raises(Refusal, match="hører ikke til dette tilbudet") as refused:
        services.accept(referral_id=referral.pk, coordinator=coordinator, run_id=elsewhere.pk)
    assert refused.value.code == "run"
    referral.refresh_from_db()
    assert referral.status == Status.SENT and referral.run_id == run.pk
    assert referral.enrolment.status == Enrolment.Status.HELD
    assert not Enrolment.objects.filter(run=elsewhere).exists()


def test_declining_needs_a_reason_and_frees_the_held_seat(refer, coordinator, run):
    referral, _ = refer(hold_seat=True)
    with pytest.raises(Refusal):
        services.decline(referral_id=referral.pk, coordinator=coordinator, reason="because")
    services.decline(
        referral_id=referral.pk, coordinator=coordinator, reason="not_a_match", text="Passer bedre hos LMS"
    )
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED and referral.closed_at
    assert count_seats(run).free == 2


def test_withdrawing_erases_the_note_and_frees_the_seat_at_once(refer, run):
    referral, _ = refer(hold_seat=True, note="Liker å jobbe med hendene", adaptation_needs="Trinnfri adkomst")
    services.withdraw(referral_id=referral.pk, person=referral.person)
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN
    assert (referral.note, referral.adaptation_needs) == ("", "")
    assert count_seats(run).free == 2


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
    assert (old.name, old.email, old.phone, old.birth_date) == ("", "", "", None)
    assert young.person is not None and young.note == "ny"
    assert open_one.note == "åpen"
    # counts for reports survive
    assert Referral.objects.filter(offer=run.offer).count() == 3


def test_unanswered_referrals_remind_the_coordinators_once(refer, coordinator, django_capture_on_commit_callbacks):
    _referral, _ = refer()
    later = timezone.now() + dt.timedelta(days=6)
    with django_capture_on_commit_callbacks(execute=True):
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
    with pytest.raises(Refusal):
        services.break_glass(referral=referral, admin=admin, reason="kort")
    services.break_glass(referral=referral, admin=admin, reason="Klage fra personen, må undersøkes")
    event = AccessEvent.objects.get(action="referral.break_glass")
    assert event.subject == referral.person and "Klage" in event.reason


def test_started_and_completed_follow_the_enrolment(refer, coordinator, run):
    referral, _ = refer(hold_seat=True)
    services.accept(referral_id=referral.pk, coordinator=coordinator)
    referral.refresh_from_db()
    session = run.sessions.first()
    attendance.record_attendance(
        session=session, marks={referral.enrolment_id: "present"}, acting=staff(coordinator), now=AFTER_THE_RUNS
    )
    referral.refresh_from_db()
    assert referral.status == Status.STARTED
    attendance.set_completion(
        enrolment_id=referral.enrolment_id, completed=True, acting=staff(coordinator), now=AFTER_THE_RUNS
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


# --- the referral tells the truth about the place it led to ------------------------------------------------


def citizen(user):
    return Acting.citizen(user)


def staff(user):
    return Acting.coordinator(user, provider_id=None)


@pytest.fixture
def waitlisted(refer, coordinator, run):
    """Ola, referred to a full run and taken in on its waiting list; the two in the seats are returned too."""
    factories.confirmed(run, 2)
    referral, _ = refer()
    services.accept(referral_id=referral.pk, coordinator=coordinator)
    referral.refresh_from_db()
    assert referral.status == Status.WAITLISTED
    return referral, list(Enrolment.objects.filter(run=run, status=Enrolment.Status.CONFIRMED))


@pytest.fixture
def placed(refer, coordinator):
    referral, _ = refer(hold_seat=True)
    services.accept(referral_id=referral.pk, coordinator=coordinator)
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    return referral


def offered_a_freed_seat(waitlisted):
    referral, seated = waitlisted
    places.cancel(enrolment_id=seated[0].pk, acting=citizen(seated[0].person))
    referral.refresh_from_db()
    assert referral.enrolment.status == Enrolment.Status.OFFERED
    return referral


def events_of(referral):
    return list(
        AuditEvent.objects.filter(object_type="referrals.referral", object_id=str(referral.pk))
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )


def test_a_referred_person_who_gets_a_freed_seat_shows_as_placed_on_the_referral(waitlisted, coordinator):
    referral = offered_a_freed_seat(waitlisted)
    assert referral.status == Status.WAITLISTED  # offered is not yet a place: still on the list until she says yes
    waiting_list.accept_offer(enrolment_id=referral.enrolment_id, acting=citizen(referral.person))
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED and referral.get_status_display() == "Fått plass"
    assert not referral.is_open and referral.closed_at is None
    assert referral not in access.inbox_of(coordinator)
    assert events_of(referral)[-1] == "referral.accepted"


def test_a_referred_person_on_the_waiting_list_moved_to_a_run_with_seats_is_placed_there(waitlisted, coordinator, run):
    referral, _seated = waitlisted
    other = factories.run(offer=run.offer, capacity=5)
    moved = places.move(enrolment_id=referral.enrolment_id, to_run_id=other.pk, acting=staff(coordinator))
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert (referral.run_id, referral.enrolment_id) == (other.pk, moved.pk)


def test_moving_a_referred_participant_takes_the_referral_to_the_new_run(placed, coordinator, run):
    other = factories.run(offer=run.offer, capacity=5)
    moved = places.move(enrolment_id=placed.enrolment_id, to_run_id=other.pk, acting=staff(coordinator))
    placed.refresh_from_db()
    assert placed.status == Status.ACCEPTED
    assert (placed.run_id, placed.enrolment_id) == (other.pk, moved.pk)
    event = AuditEvent.objects.filter(action="referral.moved").get()
    assert event.detail == {"reason": "moved", "from_run": run.pk, "run": other.pk}
    # the referral now follows the new place: cancelling the old one is no longer possible, the new one is
    places.cancel(enrolment_id=moved.pk, acting=citizen(placed.person))
    placed.refresh_from_db()
    assert placed.status == Status.CANCELLED


def test_a_participant_who_has_started_still_shows_as_started_after_a_move(placed, coordinator, run):
    attendance.record_attendance(
        session=run.sessions.first(),
        marks={placed.enrolment_id: "present"},
        acting=staff(coordinator),
        now=AFTER_THE_RUNS,
    )
    other = factories.run(offer=run.offer, capacity=5)
    places.move(enrolment_id=placed.enrolment_id, to_run_id=other.pk, acting=staff(coordinator))
    placed.refresh_from_db()
    assert placed.status == Status.STARTED and placed.run_id == other.pk


def test_a_seat_held_for_a_referral_is_not_moved_but_placed_by_answering_the_referral(refer, coordinator, run):
    referral, _ = refer(hold_seat=True)
    other = factories.run(offer=run.offer, capacity=5)
    with pytest.raises(EnrolmentRefusal, match="Svar på henvisningen") as refused:
        places.move(enrolment_id=referral.enrolment_id, to_run_id=other.pk, acting=staff(coordinator))
    assert refused.value.code == "held"
    referral.refresh_from_db()
    assert referral.status == Status.SENT and referral.enrolment.status == Enrolment.Status.HELD


@pytest.mark.parametrize("by", ["person", "coordinator"])
def test_a_referred_person_whose_place_is_cancelled_before_starting_shows_as_signed_off(placed, coordinator, by):
    acting = citizen(placed.person) if by == "person" else staff(coordinator)
    places.cancel(enrolment_id=placed.enrolment_id, acting=acting, reason=f"by_{by}")
    placed.refresh_from_db()
    assert placed.status == Status.CANCELLED and placed.get_status_display() == "Meldt av"
    assert placed.closed_at is not None and not placed.is_open
    event = AuditEvent.objects.get(action="referral.cancelled")
    assert event.actor == acting.user and event.detail == {"reason": f"by_{by}", "from": "accepted"}


def test_leaving_the_waiting_list_closes_the_referral_as_signed_off(waitlisted):
    referral, _seated = waitlisted
    places.cancel(enrolment_id=referral.enrolment_id, acting=citizen(referral.person))
    referral.refresh_from_db()
    assert referral.status == Status.CANCELLED and referral.closed_at is not None


@pytest.mark.parametrize(
    ("answer", "label"),
    [
        ("declined", "Personen takket nei til en ledig plass"),
        ("expired", "Fristen for å ta imot en ledig plass gikk ut"),
    ],
)
def test_a_freed_seat_declined_or_not_taken_in_time_closes_the_referral_and_the_timeline_says_which(
    waitlisted, answer, label
):
    """Either way the person leaves the waiting list (and may join it again on their own), so the referral's
    place has ended."""
    referral = offered_a_freed_seat(waitlisted)
    if answer == "declined":
        waiting_list.decline_offer(enrolment_id=referral.enrolment_id, acting=citizen(referral.person))
    else:
        later = referral.enrolment.offer_expires_at + dt.timedelta(minutes=1)
        assert waiting_list.expire_offer(enrolment_id=referral.enrolment_id, now=later)
    referral.refresh_from_db()
    assert referral.enrolment.status == Enrolment.Status.CANCELLED
    assert referral.status == Status.CANCELLED and referral.closed_at is not None
    assert str(_timeline(referral)[-1]["label"]) == label


def test_taking_a_freed_seat_too_late_closes_the_referral_as_the_refusal_says(waitlisted):
    referral = offered_a_freed_seat(waitlisted)
    later = referral.enrolment.offer_expires_at + dt.timedelta(minutes=1)
    with pytest.raises(EnrolmentRefusal, match="gikk dessverre ut"):
        waiting_list.accept_offer(enrolment_id=referral.enrolment_id, acting=citizen(referral.person), now=later)
    referral.refresh_from_db()
    assert referral.status == Status.CANCELLED


def test_a_participant_who_started_and_then_signs_off_shows_as_stopped(placed, coordinator, run):
    attendance.record_attendance(
        session=run.sessions.first(),
        marks={placed.enrolment_id: "present"},
        acting=staff(coordinator),
        now=AFTER_THE_RUNS,
    )
    places.cancel(enrolment_id=placed.enrolment_id, acting=citizen(placed.person))
    placed.refresh_from_db()
    assert placed.status == Status.STOPPED and placed.closed_at is not None


def test_a_cancelled_run_closes_every_referral_placed_on_it(refer, coordinator, run, worker):
    started, _ = refer(hold_seat=True, email="started@example.org")
    services.accept(referral_id=started.pk, coordinator=coordinator)
    services.set_sharing(referral_id=started.pk, person=started.person, share=False)
    placed, _ = refer(hold_seat=True, email="placed@example.org")
    services.accept(referral_id=placed.pk, coordinator=coordinator)
    waiting, _ = refer(email="waiting@example.org")
    services.accept(referral_id=waiting.pk, coordinator=coordinator)
    started.refresh_from_db()
    attendance.record_attendance(
        session=run.sessions.first(),
        marks={started.enrolment_id: "present"},
        acting=staff(coordinator),
        now=AFTER_THE_RUNS,
    )
    assert runs.cancel_run(run_id=run.pk, acting=staff(coordinator)) == 3
    for referral in (started, placed, waiting):
        referral.refresh_from_db()
        assert referral.status == Status.RUN_CANCELLED and referral.closed_at is not None
        assert referral.enrolment.status == Enrolment.Status.CANCELLED
    # the provider's doing says nothing about the person: the worker sees it whatever the person shares
    assert started.status_for_referrer == "Kurset ble avlyst"
    assert AuditEvent.objects.filter(action="referral.run_cancelled").count() == 3


def test_an_unanswered_referral_stays_open_when_its_held_seat_ends(refer, coordinator, run):
    """A held seat is no answer: whether it ran out, was given up or its run was cancelled, the coordinator
    still answers the referral (on another run, or with a reason)."""
    expired, _ = refer(hold_seat=True, email="expired@example.org")
    given_up, _ = refer(hold_seat=True, email="given.up@example.org")
    expired.refresh_from_db(), given_up.refresh_from_db()
    later = expired.enrolment.offer_expires_at + dt.timedelta(minutes=1)
    assert waiting_list.expire_offer(enrolment_id=expired.enrolment_id, now=later)
    places.cancel(enrolment_id=given_up.enrolment_id, acting=citizen(given_up.person))
    for referral in (expired, given_up):
        referral.refresh_from_db()
        assert referral.status == Status.SENT and referral.is_open and referral.closed_at is None
        assert referral in access.inbox_of(coordinator)
    held_on_cancelled_run, _ = refer(hold_seat=True, email="third@example.org")
    runs.cancel_run(run_id=run.pk, acting=staff(coordinator))
    held_on_cancelled_run.refresh_from_db()
    assert held_on_cancelled_run.status == Status.SENT and held_on_cancelled_run.is_open
    assert not AuditEvent.objects.filter(action__in=["referral.cancelled", "referral.run_cancelled"]).exists()


def test_a_withdrawn_referral_no_longer_follows_the_place_the_person_kept(placed, coordinator):
    services.withdraw(referral_id=placed.pk, person=placed.person)
    attendance.set_completion(
        enrolment_id=placed.enrolment_id, completed=True, acting=staff(coordinator), now=AFTER_THE_RUNS
    )
    placed.refresh_from_db()
    assert placed.enrolment.status == Enrolment.Status.COMPLETED
    assert placed.status == Status.WITHDRAWN


def test_deleting_an_account_closes_a_referral_that_led_to_a_place_as_signed_off(placed):
    from mypage.services import delete_account

    delete_account(user=placed.person)
    placed.refresh_from_db()
    assert placed.enrolment.status == Enrolment.Status.CANCELLED
    assert placed.status == Status.CANCELLED and placed.closed_at is not None
    assert (placed.name, placed.email, placed.phone, placed.birth_date) == ("", "", "", None)


def test_closed_places_are_erased_after_the_retention_time_like_other_closed_referrals(placed, run):
    places.cancel(enrolment_id=placed.enrolment_id, acting=citizen(placed.person))
    Referral.objects.filter(pk=placed.pk).update(closed_at=timezone.now() - dt.timedelta(days=400))
    assert services.erase_expired() == 1
    placed.refresh_from_db()
    assert placed.person is None and placed.erased_at is not None


# --- what the worker sees of it is the person's choice ------------------------------------------------------


@pytest.mark.parametrize("shares", [True, False], ids=["shares", "keeps_it_to_themselves"])
def test_a_place_the_person_gave_up_shows_to_the_worker_only_if_they_share_how_it_went(placed, shares):
    services.set_sharing(referral_id=placed.pk, person=placed.person, share=shares)
    placed.refresh_from_db()
    places.cancel(enrolment_id=placed.enrolment_id, acting=citizen(placed.person))
    placed.refresh_from_db()
    assert placed.get_status_display() == "Meldt av"  # the person always sees the truth
    worker_sees = [str(event["label"]) for event in _timeline(placed, for_worker=True)]
    if shares:
        assert placed.status_for_referrer == "Meldt av" and "Personen ble meldt av" in worker_sees
    else:
        assert placed.status_for_referrer == "Besvart" and "Personen ble meldt av" not in worker_sees
    assert "Personen ble meldt av" in [str(event["label"]) for event in _timeline(placed)]


def test_a_place_taken_shows_to_the_worker_whatever_the_person_shares(waitlisted):
    referral = offered_a_freed_seat(waitlisted)
    services.set_sharing(referral_id=referral.pk, person=referral.person, share=False)
    waiting_list.accept_offer(enrolment_id=referral.enrolment_id, acting=citizen(referral.person))
    referral.refresh_from_db()
    assert referral.status_for_referrer == "Fått plass"


# --- the worker hears of news on the referral, as far as the person shares it -------------------------------


def to(address):
    return [message for message in mail.outbox if message.to == [address]]


def assert_a_bare_notice(message):
    """A link, and nothing about the person or the offer."""
    assert message.subject == "Nytt om en henvisning i Kurskatalogen"
    assert "Det er nytt om en henvisning du har sendt. Logg inn for å se den:" in message.body
    for private in ("Ola", "ola@example.org", "Keramikk", "Fått plass", "avlyst", "Meldt av"):
        assert private not in message.subject + message.body


def test_the_worker_hears_once_when_the_person_takes_a_freed_seat_and_the_person_only_of_the_seat(
    waitlisted, django_capture_on_commit_callbacks
):
    referral = offered_a_freed_seat(waitlisted)
    with django_capture_on_commit_callbacks(execute=True):
        waiting_list.accept_offer(enrolment_id=referral.enrolment_id, acting=citizen(referral.person))
    [notice] = to("worker@example.org")
    assert_a_bare_notice(notice)
    assert [message.subject for message in to("ola@example.org")] == ["Du er påmeldt: Keramikk"]


@pytest.mark.parametrize("shares", [True, False], ids=["shares", "keeps_it_to_themselves"])
def test_the_worker_hears_once_when_the_run_is_cancelled_whatever_the_person_shares(
    placed, coordinator, run, shares, django_capture_on_commit_callbacks
):
    services.set_sharing(referral_id=placed.pk, person=placed.person, share=shares)
    with django_capture_on_commit_callbacks(execute=True):
        runs.cancel_run(run_id=run.pk, acting=staff(coordinator))
    [notice] = to("worker@example.org")
    assert_a_bare_notice(notice)
    assert [message.subject for message in to("ola@example.org")] == ["Avlyst: Keramikk"]


@pytest.mark.parametrize("shares", [True, False], ids=["shares", "keeps_it_to_themselves"])
def test_the_worker_hears_of_how_it_went_only_if_the_person_shares_it(
    placed, coordinator, run, shares, django_capture_on_commit_callbacks
):
    """Started, completed, stopped and signed off are the person's to share: an e-mail about one the worker may not
    see would tell them that something happened."""
    services.set_sharing(referral_id=placed.pk, person=placed.person, share=shares)
    with django_capture_on_commit_callbacks(execute=True):
        attendance.record_attendance(
            session=run.sessions.first(),
            marks={placed.enrolment_id: "present"},
            acting=staff(coordinator),
            now=AFTER_THE_RUNS,
        )
        attendance.set_completion(
            enrolment_id=placed.enrolment_id, completed=True, acting=staff(coordinator), now=AFTER_THE_RUNS
        )
    placed.refresh_from_db()
    assert placed.status == Status.COMPLETED
    assert len(to("worker@example.org")) == (2 if shares else 0)  # started, then completed
    assert to("ola@example.org") == []


def test_a_place_given_up_the_person_keeps_to_themselves_sends_the_worker_nothing(
    placed, django_capture_on_commit_callbacks
):
    services.set_sharing(referral_id=placed.pk, person=placed.person, share=False)
    with django_capture_on_commit_callbacks(execute=True):
        places.cancel(enrolment_id=placed.enrolment_id, acting=citizen(placed.person))
    placed.refresh_from_db()
    assert placed.status == Status.CANCELLED
    assert to("worker@example.org") == []
    assert [message.subject for message in to("ola@example.org")] == ["Du er meldt av: Keramikk"]


def test_a_referral_whose_status_stays_sends_the_worker_nothing(
    placed, coordinator, run, django_capture_on_commit_callbacks
):
    other = factories.run(offer=run.offer, capacity=5)
    with django_capture_on_commit_callbacks(execute=True):
        places.move(enrolment_id=placed.enrolment_id, to_run_id=other.pk, acting=staff(coordinator))
    placed.refresh_from_db()
    assert placed.status == Status.ACCEPTED and placed.run_id == other.pk
    assert to("worker@example.org") == []


# --- the offer's rules apply when the referral is sent, in words to the health worker ------------------------


def test_a_referral_outside_the_offers_age_limits_is_refused_at_once_in_words_to_the_worker(refer, run):
    """MAS is for 18-67: a 76-year-old's referral used to be sent, and refused only when the coordinator accepted,
    in words to the citizen."""
    before = (User.objects.count(), AuditEvent.objects.count(), Enrolment.objects.count())
    seventy_six = timezone.localdate().replace(year=timezone.localdate().year - 76)
    with pytest.raises(Refusal) as refusal:
        refer(birth_date=seventy_six, hold_seat=True)
    assert refusal.value.code == "age"
    assert refusal.value.message == (
        "Tilbudet er for dem som er 18–67 år, og personen er utenfor aldersgrensen. "
        "Se gjerne etter et annet tilbud som passer."
    )
    assert not Referral.objects.exists()
    assert (User.objects.count(), AuditEvent.objects.count(), Enrolment.objects.count()) == before


def test_the_same_rule_refuses_a_referral_to_no_run_in_particular(refer, run):
    with pytest.raises(Refusal) as refusal:
        refer(run=None, birth_date=timezone.localdate().replace(year=timezone.localdate().year - 16))
    assert refusal.value.code == "age"
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("join_method", "code"),
    [(Offer.JoinMethod.DROP_IN, "drop_in"), (Offer.JoinMethod.APPLICATION, "by_application")],
)
def test_an_offer_one_drops_in_to_or_applies_for_takes_no_referrals(refer, run, join_method, code):
    Offer.objects.filter(pk=run.offer_id).update(join_method=join_method)
    run.refresh_from_db()
    with pytest.raises(Refusal) as refusal:
        refer(offer=run.offer, run=run)
    assert refusal.value.code == code
    assert not Referral.objects.exists()


def test_a_referral_to_an_offer_with_referral_or_open_sign_up_goes_through(refer, run):
    for join_method, email in ((Offer.JoinMethod.REFERRAL, "a@example.org"), (Offer.JoinMethod.OPEN, "b@example.org")):
        Offer.objects.filter(pk=run.offer_id).update(join_method=join_method)
        run.refresh_from_db()
        referral, _held = refer(offer=run.offer, run=run, email=email)
        assert referral.pk is not None


def test_what_the_portal_knows_of_the_person_is_not_what_the_worker_hears(refer, run):
    """Someone already on the run: the worker typed an address, and the answer must not say that the portal knows
    that person (the coordinator, who may, sees it when they answer)."""
    ola = person("ola@example.org", birth_date=dt.date(1980, 5, 17))
    places.sign_up(run_id=run.pk, person=ola, acting=Acting.citizen(ola))
    referral, held = refer(hold_seat=False)
    assert referral.person == ola and not held
