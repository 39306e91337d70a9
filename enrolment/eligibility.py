"""Who may join a run, and how: the one set of rules for someone's own sign-up, a referral and a coordinator.

The rules, in the order they are checked (the first that says no is the answer):

1. the run: cancelled, not published yet, or over;
2. how one joins the offer: nobody joins a drop-in offer; on their own, people join offers with open sign-up,
   and those continuing from the run before join any; a health worker refers to any offer but those one
   applies to; a coordinator adds anyone;
3. the registration window, for people's own sign-up only (staff act for the provider, who decides): until
   ``continuing_until`` only those continuing, then from ``registration_opens_at`` until
   ``registration_closes_at``;
4. the offer's age limits, on the day the run starts (a birth date is needed where there are any);
5. the person is not on the run or its waiting list already;
6. the provider's limit of courses per person per semester.

Rules 5 and 6 are about a stored person. A form anyone can fill in, and a referral a health worker writes, are
checked with a stand-in that holds only what was typed (an unsaved ``User``): they never learn from the answer
what the portal knows about the person.

Each rule is worded twice: to the person, about their own sign-up ("Du er allerede påmeldt"), and to the staff
member acting for them ("Personen er allerede påmeldt"). The seats are the other half of joining
(enrolment.seats); the services check both under the run's lock.
"""

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from courses.models import Offer, Run
from enrolment.models import Enrolment
from enrolment.refusals import EnrolmentRefusal
from enrolment.seats import is_continuing

Source = Enrolment.Source
Status = Enrolment.Status
JoinMethod = Offer.JoinMethod

# Sources whose words go to the person themselves; every other source is staff acting for them.
OWN = frozenset({Source.SELF, Source.CONTINUING})

# code: (to the person, to staff acting for them)
_WORDS = {
    "cancelled": (_("Dette kurset er dessverre avlyst."), _("Denne gjennomføringen er avlyst.")),
    "not_published": (
        _("Denne gjennomføringen tar ikke imot påmeldinger ennå."),
        _("Denne gjennomføringen er ikke publisert ennå."),
    ),
    "ended": (_("Dette kurset er ferdig."), _("Denne gjennomføringen er ferdig.")),
    "drop_in": (
        _("Her trenger du ikke melde deg på. Bare kom!"),
        _("Til dette tilbudet trenger ingen å melde seg på eller bli henvist: det er bare å komme."),
    ),
    "not_open": (
        _("Til dette tilbudet blir du med slik: %(how)s. Ta gjerne kontakt for å høre mer."),
        _("Til dette tilbudet blir man med slik: %(how)s."),
    ),
    "by_application": (
        _("Til dette tilbudet blir du med slik: %(how)s. Ta gjerne kontakt for å høre mer."),
        _("Til dette tilbudet søker personen selv, så det kan ikke henvises til. Hjelp gjerne til med søknaden."),
    ),
    "needs_birth_date": (
        _("Vi trenger fødselsdatoen din for å se om kurset passer for alderen din."),
        _("Tilbudet har en aldersgrense, så vi trenger personens fødselsdato."),
    ),
    "age": (
        _(
            "Dette kurset er for deg som er %(ages)s, så vi kan dessverre ikke melde deg på. "
            "Spør gjerne kontaktpersonen om andre tilbud som passer."
        ),
        _(
            "Tilbudet er for dem som er %(ages)s, og personen er utenfor aldersgrensen. "
            "Se gjerne etter et annet tilbud som passer."
        ),
    ),
    "already_waiting": (
        _("Du står allerede på ventelisten til dette kurset."),
        _("Personen står allerede på ventelisten til denne gjennomføringen."),
    ),
    "already": (
        _("Du er allerede påmeldt dette kurset."),
        _("Personen er allerede påmeldt denne gjennomføringen."),
    ),
    "limit": (
        _(
            "Du kan være med på høyst %(count)s kurs hos %(provider)s i samme semester. "
            "Meld deg av et annet kurs først, eller snakk med koordinatoren."
        ),
        _(
            "Personen er allerede med på %(count)s kurs hos %(provider)s dette semesteret, "
            "som er det høyeste tilbyderen tar imot per person."
        ),
    ),
}


def _refusal(code: str, source: str, **values) -> EnrolmentRefusal:
    own, staff = _WORDS[code]
    words = own if source in OWN else staff
    return EnrolmentRefusal(str(words % values if values else words), code=code)


def check(run: Run, person, *, source: str, now) -> None:
    """Every rule above, for ``person`` joining ``run`` as ``source`` says; raises an EnrolmentRefusal worded for
    whoever acts. A person not stored yet (a stand-in) has no enrolments to look up."""
    if run.status == Run.Status.CANCELLED:
        raise _refusal("cancelled", source)
    if run.status != Run.Status.PUBLISHED:
        raise _refusal("not_published", source)
    if run.ends_at and run.ends_at < now:
        raise _refusal("ended", source)
    _check_join_method(run.offer, run, person, source=source)
    if source in OWN:
        _check_registration_window(run, person, source=source, now=now)
    _check_age(run.offer, person, source=source, on=run.starts_at.date() if run.starts_at else now.date())
    if person.pk is None:
        return
    existing = Enrolment.objects.filter(run=run, person=person).active().first()
    if existing is not None:
        raise _refusal("already_waiting" if existing.status == Status.WAITLISTED else "already", source)
    _check_semester_limit(run, person, source=source)


def already_on(source: str) -> EnrolmentRefusal:
    """The person is on the run already (found by the database's constraint, after the check let a double click
    through)."""
    return _refusal("already", source)


def check_offer(offer: Offer, *, source: str, birth_date: dt.date | None, now) -> None:
    """The rules about the offer alone (how one joins it, its ages), for a referral to no run in particular."""
    stand_in = _stand_in(birth_date)
    _check_join_method(offer, None, stand_in, source=source)
    _check_age(offer, stand_in, source=source, on=now.date())


def check_referral(*, offer: Offer, run: Run | None, birth_date: dt.date | None, now=None) -> None:
    """What a health worker hears at once when a referral cannot be sent: the rules about the offer and the run,
    with the birth date the worker typed (nothing the portal knows about the person)."""
    now = now or timezone.now()
    if run is None:
        check_offer(offer, source=Source.REFERRAL, birth_date=birth_date, now=now)
    else:
        check(run, _stand_in(birth_date), source=Source.REFERRAL, now=now)


def referral_refusal(offer: Offer) -> EnrolmentRefusal | None:
    """What stops any referral to the offer, whoever it is for (how one joins it): the referral form and the offer
    page say so before anything is typed."""
    try:
        _check_join_method(offer, None, _stand_in(None), source=Source.REFERRAL)
    except EnrolmentRefusal as refusal:
        return refusal
    return None


def sign_up_refusal(*, run: Run, person=None, now=None) -> EnrolmentRefusal | None:
    """What stops this person (None: someone not signed in) from signing up to the run on their own, the seats
    aside: the sign-up page says so before anything is filled in. Only a preview, without locks; the sign-up
    checks everything again. Someone not signed in is checked as a newcomer whose birth date the form asks for."""
    try:
        check(run, person or _stand_in(None), source=Source.SELF, now=now or timezone.now())
    except EnrolmentRefusal as refusal:
        return None if refusal.code == "needs_birth_date" else refusal  # the form asks for it
    return None


def offers_sign_up(run: Run, *, now=None) -> bool:
    """Whether the run's page offers a sign-up button: anyone may sign up on their own now, or those continuing
    from the run before may (they sign in first)."""
    now = now or timezone.now()
    refusal = sign_up_refusal(run=run, now=now)
    if refusal is None:
        return True
    return refusal.code in ("not_open", "continuing_only") and run.continuing_window_open_at(now)


def _stand_in(birth_date) -> User:
    """Someone as a form describes them, with nothing the portal may know of them (never saved)."""
    return User(birth_date=birth_date)


def _check_join_method(offer: Offer, run: Run | None, person, *, source: str) -> None:
    how = offer.get_join_method_display().lower()
    if offer.join_method == JoinMethod.DROP_IN:
        raise _refusal("drop_in", source)
    if source == Source.REFERRAL and offer.join_method == JoinMethod.APPLICATION:
        raise _refusal("by_application", source, how=how)
    if source in OWN and offer.join_method != JoinMethod.OPEN and not (run and is_continuing(run, person)):
        raise _refusal("not_open", source, how=how)


def _check_registration_window(run: Run, person, *, source: str, now) -> None:
    opens, closes = run.registration_opens_at, run.registration_closes_at
    in_continuing_window = run.continuing_window_open_at(now)
    continuing = in_continuing_window and is_continuing(run, person)
    if in_continuing_window and not continuing:
        raise EnrolmentRefusal(
            _("Fram til %(date)s er plassene holdt av for dem som går på kurset nå. Etter det kan alle melde seg på.")
            % {"date": date_format(timezone.localtime(run.continuing_until), "DAY_MONTH_FORMAT")},
            code="continuing_only",
        )
    if opens and now < opens and not continuing:
        raise EnrolmentRefusal(
            _("Påmeldingen åpner %(date)s.") % {"date": date_format(timezone.localtime(opens), "DATE_FORMAT")},
            code="not_yet_open",
        )
    if closes and now >= closes:
        raise EnrolmentRefusal(
            _("Påmeldingsfristen gikk ut %(date)s. Ta gjerne kontakt, så ser vi om det går likevel.")
            % {"date": date_format(timezone.localtime(closes), "DATE_FORMAT")},
            code="closed",
        )


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _check_age(offer: Offer, person, *, source: str, on: dt.date) -> None:
    if not offer.has_age_limits:
        return
    if person.birth_date is None:
        raise _refusal("needs_birth_date", source)
    if not offer.fits_age(age_on(person.birth_date, on)):
        raise _refusal("age", source, ages=offer.age_text.lower())


def _check_semester_limit(run: Run, person, *, source: str) -> None:
    provider = run.offer.provider
    if not provider.max_active_per_semester:
        return
    taken = (
        Enrolment.objects.filter(person=person, run__semester_id=run.semester_id, run__offer__provider=provider)
        .filter(status__in=[Status.CONFIRMED, Status.OFFERED, Status.HELD, Status.WAITLISTED])
        .count()
    )
    if taken >= provider.max_active_per_semester:
        raise _refusal("limit", source, count=provider.max_active_per_semester, provider=provider.name)
