"""Links in e-mails that let a person act on their own enrolment without signing in.

Each link carries a signed token for one enrolment and one action; it expires.
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
    try:
        data = signing.loads(token or "", salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return False
    return data == {"e": str(enrolment.public_id), "a": action}


def action_url(enrolment, action: str) -> str:
    path = reverse(f"enrolment:{action}", kwargs={"public_id": enrolment.public_id})
    return f"{settings.PORTAL_BASE_URL}{path}?t={token_for(enrolment, action)}"
