"""Links that let a person act on their own enrolment, or confirm a seat held for them, without signing in.

Each link carries a signed token for one enrolment (or seat hold) and one action; it expires. A link that changes
something works while that change can still be made: a cancel link while the place is active, an accept or
decline link while the seat is offered, a confirm link while the seat is held. After that it opens nothing
(``works``), and the page says the link has been used. Viewing links may be opened again.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "enrolment.links"
MAX_AGE = 60 * 60 * 24 * 120  # a semester and a bit

ACTIONS = ("view", "cancel", "accept", "decline")


def token_for(enrolment, action: str) -> str:
    return signing.dumps({"e": str(enrolment.public_id), "a": action}, salt=_SALT, compress=True)


def token_is_valid(enrolment, action: str, token: str) -> bool:
    """Signed for this enrolment and action, and not expired (whether the action can still be taken is
    ``still_works``)."""
    return _signed(token, max_age=MAX_AGE) == {"e": str(enrolment.public_id), "a": action}


def still_works(enrolment, action: str) -> bool:
    """Whether a link for this action still does what it says: once it has, it is used."""
    if action == "cancel":
        return enrolment.is_active
    if action in ("accept", "decline"):
        return enrolment.status == enrolment.Status.OFFERED
    return True


def action_url(enrolment, action: str) -> str:
    path = reverse(f"enrolment:{action}", kwargs={"public_id": enrolment.public_id})
    return f"{settings.PORTAL_BASE_URL}{path}?t={token_for(enrolment, action)}"


# --- seats held for a sign-up without an account --------------------------------------------------------------

HOLD_ACTIONS = ("view", "confirm")


def hold_token_for(hold, action: str) -> str:
    return signing.dumps({"h": str(hold.public_id), "a": action}, salt=_SALT, compress=True)


def hold_token_is_valid(hold, action: str, token: str) -> bool:
    return _signed(token, max_age=60 * 60 * 24) == {"h": str(hold.public_id), "a": action}


def hold_url(hold, action: str) -> str:
    name = "enrolment:hold_confirm" if action == "confirm" else "enrolment:held"
    path = reverse(name, kwargs={"public_id": hold.public_id})
    return f"{settings.PORTAL_BASE_URL}{path}?t={hold_token_for(hold, action)}"


def _signed(token: str, *, max_age: int):
    try:
        return signing.loads(token or "", salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
