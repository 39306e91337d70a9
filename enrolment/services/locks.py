"""The one locking discipline of every change to who has a seat, as in pretix.

* Anything that can use up a seat runs in one durable transaction and locks the run row (``lock_runs``) before
  it counts the seats (enrolment.seats.count_seats, a statement of its own after the lock, so it sees every seat
  a transaction that held the lock before took).
* Locks are taken in one order, all those of a kind at once, before what they protect is read. A transaction
  may skip a step but never go back to an earlier one: one that held a run and then wanted a referral, or held
  one run and then wanted another, could wait for a transaction that waits for it (a deadlock: PostgreSQL ends
  one of them, and its request fails with a server error).
  1. The person (``accounts.people.lock_person``), by whatever looks up, creates, enrols or deletes a person,
     so that the same person signing up to two runs at once is looked up, created and counted against the
     provider's limit per semester one request at a time. Then, by what changes the account itself, the
     person's account row, for no-key update: every row written about the person (enrolment, referral, audit)
     share-locks it and must not have to wait for it.
     A sign-up without an account looks nobody up: it takes its client's lock instead (holds.hold_for_sign_up,
     so its count of holds per client is exact).
  2. What follows the enrolments the transaction will change (``following.lock``: the referrals they came
     from), several in id order, before any run, even when it turns out to need no change.
  3. Every run the transaction will touch, in one ``lock_runs`` call (id order): placing a referral on one run
     and giving up its seat on another locks both at once.
  Enrolments are read again once their run is locked: their status changes only under it.
* Freeing a seat offers it to the first on the waiting list (priority, then time) in the same transaction
  (waiting_list.offer_free_seats); a walk-in never takes a seat while someone waits or an offer is pending.
* E-mail and scheduled follow-ups are queued in the same transaction (their task rows commit with the change, or
  roll back with it: base/tasks.py), and run after commit.
"""

from contextlib import contextmanager

from django.db import transaction

from base.prepared import Prepared
from courses.models import Run
from enrolment.models import Enrolment
from enrolment.refusals import EnrolmentRefusal


def _as_read(runs):
    """A run with what the rules and the sign-up pages read of it: its offer, provider and semester."""
    return runs.select_related("offer__provider", "semester")


def _locked(runs):
    return _as_read(runs).select_for_update(no_key=True, of=("self",))


# Most reads and locks are of one run. Their SQL is built once per process (base.prepared): without it the sign-up
# page took 40 % more CPU, a sign-up 26-31 % more (bench/README.md, "Speed tricks").
_PUBLIC_RUN = Prepared(lambda run_id: _as_read(Run.objects.public().filter(pk=run_id)).order_by())
_LOCK_RUN = Prepared(lambda run_id: _locked(Run.objects.filter(pk=run_id)).order_by())
_LOCK_PUBLIC_RUN = Prepared(lambda run_id: _locked(Run.objects.public().filter(pk=run_id)).order_by())


def public_run(run_id: int) -> Run | None:
    """The run for its sign-up page, with what the page and the rules read of it (no lock); None unless it has a
    public sign-up page (``RunQuerySet.public``)."""
    return _PUBLIC_RUN.get(run_id)


def lock_runs(*run_ids: int, public: bool = False) -> dict[int, Run]:
    """Lock the runs' rows (in id order) for the rest of the transaction: all a transaction needs, in one call.
    With ``public``, runs without a public sign-up page (``RunQuerySet.public``) are left out, unlocked."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Runs can only be locked inside a transaction.")
    run_ids = sorted(set(run_ids))
    if len(run_ids) == 1:
        run = (_LOCK_PUBLIC_RUN if public else _LOCK_RUN).get(run_ids[0])
        return {} if run is None else {run.pk: run}
    runs = _locked(Run.objects.public() if public else Run.objects.all())
    return {run.pk: run for run in runs.filter(pk__in=run_ids).order_by("pk")}


def lock_run(run_id: int) -> Run:
    return lock_runs(run_id)[run_id]


def lock_public_run(run_id: int) -> Run:
    """The run a person's own sign-up names, locked; Run.DoesNotExist unless it has a public sign-up page."""
    try:
        return lock_runs(run_id, public=True)[run_id]
    except KeyError:
        raise Run.DoesNotExist from None


@contextmanager
def refusals_carry(run: Run):
    """Refusals raised inside carry the locked run (``EnrolmentRefusal.run``)."""
    try:
        yield
    except EnrolmentRefusal as refusal:
        refusal.run = run
        raise


def lock_enrolment(enrolment_id: int) -> tuple[Enrolment, Run]:
    """The enrolment, read again after its run is locked (so its status cannot change under us)."""
    run_id = Enrolment.objects.values_list("run_id", flat=True).get(pk=enrolment_id)
    run = lock_run(run_id)
    enrolment = Enrolment.objects.select_related("person").get(pk=enrolment_id)
    enrolment.run = run
    return enrolment, run
