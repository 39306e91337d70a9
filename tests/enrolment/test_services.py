import datetime as dt
from email import message_from_bytes

import icalendar
import pytest
from django.core import mail
from django.utils import timezone

from audit.acting import Acting
from audit.models import AuditEvent
from courses.models import Offer, Run
from enrolment import eligibility
from enrolment.models import Enrolment, SeatHold
from enrolment.refusals import EnrolmentRefusal, RunFull
from enrolment.seats import count_seats
from enrolment.services import attendance, holds, interests, places, runs, waiting_list
from tests import factories
from tests.people import person

pytestmark = pytest.mark.django_db
Status = Enrolment.Status


def someone(n=[0], **fields):
    n[0] += 1
    fields.setdefault("birth_date", dt.date(1990, 1, 1))
    return person(f"p{n[0]}@example.org", name=f"Person {n[0]}", **fields)


def me(user):
    return Acting.citizen(user)


@pytest.fixture
def run():
    return factories.run(offer=factories.offer(min_age=18, max_age=67), capacity=2, sessions=3)


def sign_up(run, who=None, **kwargs):
    who = who or someone()
    return places.sign_up(run_id=run.pk, person=who, acting=me(who), **kwargs)


def waitlist(run, who=None):
    who = who or someone()
    return places.join_waiting_list(run_id=run.pk, person=who, acting=me(who))


def test_signing_up_takes_a_seat_writes_an_audit_row_and_emails_a_calendar_file(
    run, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = sign_up(run, wants_reminders=True)
    assert enrolment.status == Status.CONFIRMED and enrolment.wants_reminders
    assert AuditEvent.objects.filter(action="enrolment.confirmed", subject=enrolment.person).exists()
    message = mail.outbox[-1]
    assert message.to == [enrolment.person.email]
    calendar = message.attachments[0]
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_payload(decode=True).startswith(b"BEGIN:VCALENDAR\r\n")
    assert "Datoene ligger også i kalenderfilen" in message.body
    assert "/avmeld/?t=" in message.body


def test_the_calendar_file_in_the_e_mail_arrives_byte_for_byte_and_says_its_method(
    run, django_capture_on_commit_callbacks
):
    """RFC 6047 wants the method on the Content-Type of iCalendar in e-mail, and RFC 5545 wants CRLF after
    every line: sent as 8-bit text, the mail system's own line endings replaced them."""
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(run)
    raw = mail.outbox[-1].message().as_bytes(linesep="\n")  # line endings as a local mail system may write them
    part = next(p for p in message_from_bytes(raw).walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "PUBLISH" and part.get_filename().endswith(".ics")
    ics = part.get_payload(decode=True)
    assert ics.endswith(b"END:VCALENDAR\r\n") and b"\n" not in ics.replace(b"\r\n", b"")
    assert len(icalendar.Calendar.from_ical(ics).walk("VEVENT")) == 3


def test_a_run_without_sessions_sends_no_empty_calendar(django_capture_on_commit_callbacks):
    """A calendar with no event is not a valid iCalendar object (RFC 5545 asks for at least one component)."""
    bare = factories.run(offer=factories.offer(), capacity=2, sessions=0)
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(bare)
    assert mail.outbox[-1].attachments == []
    assert "kalenderfilen" not in mail.outbox[-1].body  # the e-mail does not promise a file it lacks
    with django_capture_on_commit_callbacks(execute=True):
        runs.cancel_run(run_id=bare.pk, acting=me(None))
    assert mail.outbox[-1].attachments == [] and "kalenderfilen" not in mail.outbox[-1].body


def test_a_full_run_refuses_and_offers_the_waiting_list(run):
    sign_up(run), sign_up(run)
    with pytest.raises(RunFull):
        sign_up(run)
    enrolment = waitlist(run)
    assert enrolment.status == Status.WAITLISTED


def test_the_waiting_list_shows_each_persons_place(run):
    sign_up(run), sign_up(run)
    first, second, third = waitlist(run), waitlist(run), waitlist(run)
    assert Enrolment.objects.waiting_position(second) == (2, 3)
    assert Enrolment.objects.waiting_position(third) == (3, 3)
    places.cancel(enrolment_id=first.pk, acting=me(first.person))
    assert Enrolment.objects.waiting_position(third) == (2, 2)


def test_joining_the_waiting_list_with_free_seats_is_refused(run):
    with pytest.raises(EnrolmentRefusal, match="ledige plasser"):
        waitlist(run)


@pytest.mark.parametrize(
    ("birth_date", "message"),
    [
        (None, "fødselsdatoen"),
        (dt.date.today() - dt.timedelta(days=365 * 16), "18–67 år"),
        (dt.date(1940, 1, 1), "18–67 år"),
    ],
)
def test_age_limits_are_checked_kindly(run, birth_date, message):
    with pytest.raises(EnrolmentRefusal, match=message):
        sign_up(run, someone(birth_date=birth_date))
    assert not Enrolment.objects.exists()


def test_the_registration_window_is_enforced(run):
    now = timezone.now()
    Run.objects.filter(pk=run.pk).update(registration_opens_at=now + dt.timedelta(days=3))
    with pytest.raises(EnrolmentRefusal, match="Påmeldingen åpner"):
        sign_up(run)
    Run.objects.filter(pk=run.pk).update(
        registration_opens_at=now - dt.timedelta(days=9), registration_closes_at=now - dt.timedelta(days=1)
    )
    with pytest.raises(EnrolmentRefusal, match="Påmeldingsfristen gikk ut"):
        sign_up(run)


def test_cancelled_and_draft_runs_and_hidden_offers_take_no_sign_ups(run):
    Run.objects.filter(pk=run.pk).update(status=Run.Status.CANCELLED)
    with pytest.raises(EnrolmentRefusal, match="avlyst") as refused:
        sign_up(run)
    assert refused.value.run.pk == run.pk  # for the page that explains it
    # Runs without a public sign-up page are not there at all, for a sign-up of one's own.
    Run.objects.filter(pk=run.pk).update(status=Run.Status.DRAFT)
    with pytest.raises(Run.DoesNotExist):
        sign_up(run)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.PUBLISHED)
    Offer.objects.filter(pk=run.offer_id).update(is_published=False)
    with pytest.raises(Run.DoesNotExist):
        sign_up(run)
    with pytest.raises(Run.DoesNotExist):
        holds.hold_for_sign_up(
            run_id=run.pk,
            name="Kari",
            email="kari@example.org",
            phone="",
            birth_date=None,
            language="nb",
            client="192.0.2.1",
        )
    assert not Enrolment.objects.exists() and not SeatHold.objects.exists()


def test_a_second_active_enrolment_that_gets_past_the_checks_is_refused_by_the_database_and_writes_nothing(
    run, monkeypatch
):
    first = sign_up(run)
    before = AuditEvent.objects.count()
    monkeypatch.setattr(eligibility, "check", lambda *args, **kwargs: None)  # as if a check let it through
    with pytest.raises(EnrolmentRefusal, match="allerede påmeldt"):
        sign_up(run, first.person)
    assert list(Enrolment.objects.filter(run=run).values_list("pk", flat=True)) == [first.pk]
    assert AuditEvent.objects.count() == before


def test_signing_up_twice_is_refused(run):
    enrolment = sign_up(run)
    with pytest.raises(EnrolmentRefusal, match="allerede påmeldt"):
        sign_up(run, enrolment.person)


def test_the_providers_limit_of_courses_per_semester(run):
    provider = run.offer.provider
    provider.max_active_per_semester = 1
    provider.save()
    other = factories.run(offer=factories.offer(provider=provider), semester_=run.semester)
    who = someone()
    sign_up(run, who)
    with pytest.raises(EnrolmentRefusal, match="høyst 1 kurs"):
        sign_up(other, who)


def test_a_seat_held_for_a_referral_counts_towards_the_providers_limit(run):
    provider = run.offer.provider
    provider.max_active_per_semester = 1
    provider.save()
    other = factories.run(offer=factories.offer(provider=provider), semester_=run.semester)
    who = someone()
    places.hold_seat(run_id=run.pk, person=who, until=timezone.now() + dt.timedelta(days=3), acting=Acting.system())
    with pytest.raises(EnrolmentRefusal, match="høyst 1 kurs"):
        sign_up(other, who)


def test_drop_in_and_referral_offers_take_no_self_sign_up():
    drop_in = factories.run(offer=factories.offer(join_method=Offer.JoinMethod.DROP_IN))
    with pytest.raises(EnrolmentRefusal, match="trenger du ikke melde deg på"):
        sign_up(drop_in)
    referral = factories.run(offer=factories.offer(join_method=Offer.JoinMethod.REFERRAL))
    with pytest.raises(EnrolmentRefusal, match="henvisning"):
        sign_up(referral)


def test_cancelling_offers_the_seat_to_the_first_on_the_waiting_list(run, django_capture_on_commit_callbacks):
    a, _b = sign_up(run), sign_up(run)
    first, second = waitlist(run), waitlist(run)
    with django_capture_on_commit_callbacks(execute=True):
        places.cancel(enrolment_id=a.pk, acting=me(a.person))
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == Status.OFFERED
    assert first.offer_expires_at == pytest.approx(timezone.now() + dt.timedelta(hours=48), abs=dt.timedelta(minutes=1))
    assert second.status == Status.WAITLISTED
    offer_mail = [m for m in mail.outbox if m.to == [first.person.email]][-1]
    assert "/ta-imot/?t=" in offer_mail.body and "/si-nei/?t=" in offer_mail.body


def test_priority_comes_before_time_on_the_waiting_list(run):
    a, _ = sign_up(run), sign_up(run)
    early, late = waitlist(run), waitlist(run)
    waiting_list.change_priority(enrolment_id=late.pk, priority=5, reason="Lovet plass i høst", acting=me(None))
    places.cancel(enrolment_id=a.pk, acting=me(a.person))
    late.refresh_from_db(), early.refresh_from_db()
    assert (late.status, early.status) == (Status.OFFERED, Status.WAITLISTED)
    event = AuditEvent.objects.get(action="enrolment.priority_changed")
    assert event.detail["reason"] == "Lovet plass i høst"


def test_changing_priority_needs_a_reason(run):
    sign_up(run), sign_up(run)
    waiting = waitlist(run)
    with pytest.raises(EnrolmentRefusal, match="begrunnelse"):
        waiting_list.change_priority(enrolment_id=waiting.pk, priority=3, reason="  ", acting=me(None))


def test_accepting_an_offer_confirms_the_seat(run):
    a, _ = sign_up(run), sign_up(run)
    waiting = waitlist(run)
    places.cancel(enrolment_id=a.pk, acting=me(a.person))
    waiting_list.accept_offer(enrolment_id=waiting.pk, acting=me(waiting.person))
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED


def test_declining_moves_the_offer_on_and_keeps_no_penalty(run):
    a, _ = sign_up(run), sign_up(run)
    first, second = waitlist(run), waitlist(run)
    places.cancel(enrolment_id=a.pk, acting=me(a.person))
    waiting_list.decline_offer(enrolment_id=first.pk, acting=me(first.person))
    second.refresh_from_db()
    assert second.status == Status.OFFERED
    # no penalty: the person who said no may join the waiting list again at once
    again = waitlist(run, first.person)
    assert again.status == Status.WAITLISTED


def test_an_expired_offer_moves_to_the_next_person(run):
    a, _ = sign_up(run), sign_up(run)
    first, second = waitlist(run), waitlist(run)
    places.cancel(enrolment_id=a.pk, acting=me(a.person))
    later = timezone.now() + dt.timedelta(hours=49)
    assert waiting_list.expire_offer(enrolment_id=first.pk, now=later)
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == Status.CANCELLED and second.status == Status.OFFERED
    assert not waiting_list.expire_offer(enrolment_id=first.pk, now=later)  # safe to run twice


def test_an_offer_cannot_be_accepted_after_its_deadline(run):
    a, _ = sign_up(run), sign_up(run)
    first = waitlist(run)
    places.cancel(enrolment_id=a.pk, acting=me(a.person))
    with pytest.raises(EnrolmentRefusal, match="gikk dessverre ut"):
        waiting_list.accept_offer(
            enrolment_id=first.pk, acting=me(first.person), now=timezone.now() + dt.timedelta(hours=49)
        )


def test_accepting_too_late_really_passes_the_seat_on_as_the_refusal_says(run):
    """The expiry used to be rolled back with the refusal: the seat stayed offered to the late person
    (and the next in line heard nothing) until the background sweep came by."""
    a, _ = sign_up(run), sign_up(run)
    late, next_in_line = waitlist(run), waitlist(run)
    places.cancel(enrolment_id=a.pk, acting=me(a.person))
    with pytest.raises(EnrolmentRefusal) as refusal:
        waiting_list.accept_offer(
            enrolment_id=late.pk, acting=me(late.person), now=timezone.now() + dt.timedelta(hours=49)
        )
    assert refusal.value.code == "expired"
    late.refresh_from_db(), next_in_line.refresh_from_db()
    assert (late.status, next_in_line.status) == (Status.CANCELLED, Status.OFFERED)


def test_a_walk_in_never_takes_a_seat_while_an_offer_is_pending(run):
    a, _ = sign_up(run), sign_up(run)
    waitlist(run)
    places.cancel(enrolment_id=a.pk, acting=me(a.person))
    with pytest.raises(RunFull):
        sign_up(run)


def test_the_providers_offer_time_is_used(run):
    run.offer.provider.seat_offer_hours = 12
    run.offer.provider.save()
    a, _ = sign_up(run), sign_up(run)
    first = waitlist(run)
    places.cancel(enrolment_id=a.pk, acting=me(a.person))
    first.refresh_from_db()
    assert first.offer_expires_at < timezone.now() + dt.timedelta(hours=12, minutes=1)


def test_lowering_capacity_below_the_confirmed_count_is_refused(run):
    sign_up(run), sign_up(run)
    with pytest.raises(EnrolmentRefusal, match="2 plasser er allerede i bruk"):
        runs.edit_run(run_id=run.pk, fields={"capacity": 1}, acting=me(None))
    run.refresh_from_db()
    assert run.capacity == 2


def test_raising_capacity_offers_the_new_seats_to_those_waiting(run):
    sign_up(run), sign_up(run)
    first = waitlist(run)
    runs.edit_run(run_id=run.pk, fields={"capacity": 3}, acting=me(None))
    first.refresh_from_db()
    assert first.status == Status.OFFERED


def test_cancelling_a_run_tells_everyone_on_it_and_its_waiting_list(run, django_capture_on_commit_callbacks):
    people = [sign_up(run), sign_up(run), waitlist(run)]
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.cancel_run(run_id=run.pk, acting=me(None)) == 3
    assert {m.to[0] for m in mail.outbox if "Avlyst" in m.subject} == {e.person.email for e in people}
    assert set(Enrolment.objects.values_list("status", flat=True)) == {Status.CANCELLED}


def test_cancelling_a_run_sends_the_cancelled_calendar_to_everyone_who_had_a_seat_and_not_the_waiting_list(
    run, django_capture_on_commit_callbacks
):
    confirmed, leaving = sign_up(run), sign_up(run)
    offered, waiting = waitlist(run), waitlist(run)
    places.cancel(enrolment_id=leaving.pk, acting=me(leaving.person))  # the first in line is offered the seat
    offered.refresh_from_db()
    assert offered.status == Status.OFFERED
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        runs.cancel_run(run_id=run.pk, acting=me(None))

    told = {message.to[0]: message for message in mail.outbox}
    assert set(told) == {confirmed.person.email, offered.person.email, waiting.person.email}
    for enrolment in (confirmed, offered):
        message = told[enrolment.person.email]
        raw = message.message().as_bytes(linesep="\n")
        part = next(p for p in message_from_bytes(raw).walk() if p.get_content_type() == "text/calendar")
        assert part.get_param("method") == "PUBLISH" and part.get_filename().endswith(".ics")
        events = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
        assert {str(event["UID"]).split("@")[0] for event in events} == {f"session-{pk}" for pk in session_ids(run)}
        assert {(str(event["STATUS"]), int(event["SEQUENCE"])) for event in events} == {("CANCELLED", 1)}
        assert "Åpne kalenderfilen i denne e-posten" in message.body
    assert told[waiting.person.email].attachments == []
    assert "kalenderfilen" not in told[waiting.person.email].body


def session_ids(run):
    return set(run.sessions.values_list("pk", flat=True))


def test_publishing_a_run_tells_the_interest_list_first(run, django_capture_on_commit_callbacks):
    interested = someone()
    interests.register_interest(offer=run.offer, person=interested, acting=me(interested))
    draft = factories.run(offer=run.offer, status=Run.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.publish_run(run_id=draft.pk, acting=me(None)) == 1
    assert mail.outbox[-1].to == [interested.email]
    assert interested.interests.get().notified_at is not None


def test_continuing_participants_get_first_claim_with_seats_held_until_the_deadline():
    offer = factories.offer()
    autumn = factories.run(
        offer=offer, capacity=3, first_session=timezone.localdate() - dt.timedelta(days=60), sessions=10
    )
    regulars = [someone(), someone()]
    for who in regulars:
        Enrolment.objects.create(run=autumn, person=who, status=Status.CONFIRMED)
    spring = factories.run(
        offer=offer, capacity=3, follows=autumn, continuing_until=timezone.now() + dt.timedelta(days=5)
    )
    newcomer = someone()
    with pytest.raises(EnrolmentRefusal, match="holdt av"):
        sign_up(spring, newcomer)
    kept = sign_up(spring, regulars[0])
    assert kept.source == Enrolment.Source.CONTINUING
    assert count_seats(spring).continuing == 1
    # after the deadline the held seats are free for all
    Run.objects.filter(pk=spring.pk).update(continuing_until=timezone.now() - dt.timedelta(minutes=1))
    spring.refresh_from_db()
    sign_up(spring, newcomer)
    sign_up(spring)
    with pytest.raises(RunFull):
        sign_up(spring)


def test_moving_a_participant_frees_their_seat_for_the_waiting_list(run):
    a, _ = sign_up(run), sign_up(run)
    waiting = waitlist(run)
    other = factories.run(offer=factories.offer(provider=run.offer.provider), capacity=5)
    moved = places.move(enrolment_id=a.pk, to_run_id=other.pk, acting=me(None))
    assert moved.run == other and moved.status == Status.CONFIRMED
    waiting.refresh_from_db()
    assert waiting.status == Status.OFFERED


def test_a_coordinator_adds_someone_to_the_waiting_list_when_the_run_is_full(run):
    sign_up(run), sign_up(run)
    added = places.add_by_coordinator(run_id=run.pk, person=someone(), acting=me(None))
    assert added.status == Status.WAITLISTED and added.source == Enrolment.Source.COORDINATOR


def test_attendance_and_completion(run):
    enrolment = sign_up(run)
    session = run.sessions.first()
    after = run.ends_at + dt.timedelta(hours=1)
    attendance.record_attendance(
        session=session, marks={enrolment.pk: "present", 999999: "present"}, acting=me(someone()), now=after
    )
    assert enrolment.attendance.get().status == "present"
    attendance.set_completion(enrolment_id=enrolment.pk, completed=True, acting=me(None), now=after)
    enrolment.refresh_from_db()
    assert enrolment.status == Status.COMPLETED


def test_attendance_is_taken_from_the_day_of_the_session_and_not_before(run):
    enrolment = sign_up(run)
    session = run.sessions.order_by("starts_at").first()
    starts = timezone.localtime(session.starts_at)
    the_evening_before = starts.replace(hour=20) - dt.timedelta(days=1)
    with pytest.raises(EnrolmentRefusal, match="fra dagen for samlingen") as refusal:
        attendance.record_attendance(
            session=session, marks={enrolment.pk: "present"}, acting=me(someone()), now=the_evening_before
        )
    assert refusal.value.code == "too_early"
    assert not enrolment.attendance.exists()
    that_morning = starts.replace(hour=8, minute=0)
    attendance.record_attendance(
        session=session, marks={enrolment.pk: "excused"}, acting=me(someone()), now=that_morning
    )
    assert enrolment.attendance.get().status == "excused"


def test_a_participant_completes_once_the_last_session_has_begun_and_stops_once_the_first_has(run):
    enrolment = sign_up(run)
    first, *_rest, last = run.sessions.order_by("starts_at")
    before_the_start = first.starts_at - dt.timedelta(minutes=1)
    with pytest.raises(EnrolmentRefusal) as refusal:
        attendance.set_completion(enrolment_id=enrolment.pk, completed=False, acting=me(None), now=before_the_start)
    assert refusal.value.code == "not_started"
    during = first.ends_at
    with pytest.raises(EnrolmentRefusal, match="den siste samlingen") as refusal:
        attendance.set_completion(enrolment_id=enrolment.pk, completed=True, acting=me(None), now=during)
    assert refusal.value.code == "not_finished"
    attendance.set_completion(enrolment_id=enrolment.pk, completed=False, acting=me(None), now=during)
    enrolment.refresh_from_db()
    assert enrolment.status == Status.DROPPED_OUT
    attendance.set_completion(enrolment_id=enrolment.pk, completed=True, acting=me(None), now=last.starts_at)
    enrolment.refresh_from_db()
    assert enrolment.status == Status.COMPLETED
