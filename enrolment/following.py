"""The one hook out of the enrolment app: what follows an enrolment from an app above it.

A referral follows the place it led to (referrals.following): when a service here changes an enrolment, the
referral it came from says so. Imports run one way (accounts <- courses <- enrolment <- referrals), so this app
cannot call the referrals app; instead an app above registers a ``Follower`` once, at start-up (its
``AppConfig.ready``), and every enrolment service calls the followers at the two points the lock order fixes:

1. ``lock``, before any run is locked (step 2 of the order in enrolment/services/locks.py): each follower locks
   what follows these enrolments and hands it back;
2. ``follow``, after the enrolment has changed, in the same transaction: each follower brings what it locked in
   line with the enrolment.

and ``attended`` when participants are marked present (which locks no run). Nothing else goes through here.
"""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol


class Follower(Protocol):
    def lock(self, enrolment_ids: Collection[int]) -> object:
        """Lock what follows these enrolments (before any run's lock) and return it, for ``follow``."""

    def follow(self, locked: object, enrolment, *, acting, reason: str, moved_to) -> None:
        """The enrolment changed (``moved_to``: the new enrolment of a person moved to another run)."""

    def follows_any(self, enrolment_ids: Collection[int]) -> bool:
        """Whether anything follows one of these enrolments (read without a lock)."""

    def attended(self, enrolment_ids: Collection[int], *, acting) -> None:
        """These participants were marked present at a session."""


_followers: list[Follower] = []


def register(follower: Follower) -> None:
    """Called once per app, from its AppConfig.ready (calling it again with the same kind of follower is a no-op)."""
    if not any(type(known) is type(follower) for known in _followers):
        _followers.append(follower)


@dataclass(frozen=True)
class Locked:
    """What the followers locked for a transaction's enrolments, to hand to ``follow``."""

    held: tuple[tuple[Follower, object], ...] = ()


def lock(*enrolment_ids: int) -> Locked:
    return Locked(tuple((follower, follower.lock(enrolment_ids)) for follower in _followers))


def follow(locked: Locked, enrolment, *, acting, reason: str = "", moved_to=None) -> None:
    for follower, held in locked.held:
        follower.follow(held, enrolment, acting=acting, reason=reason, moved_to=moved_to)


def follows_any(*enrolment_ids: int) -> bool:
    return any(follower.follows_any(enrolment_ids) for follower in _followers)


def attended(enrolment_ids: Collection[int], *, acting) -> None:
    for follower in _followers:
        follower.attended(enrolment_ids, acting=acting)
