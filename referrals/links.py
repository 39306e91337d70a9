"""A signed link for the person a referral is about, so they can see and answer it without an account."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "referrals.person-link"
MAX_AGE = 60 * 60 * 24 * 60


def token_for(referral) -> str:
    return signing.dumps(str(referral.public_id), salt=_SALT)


def token_is_valid(referral, token: str) -> bool:
    try:
        return signing.loads(token or "", salt=_SALT, max_age=MAX_AGE) == str(referral.public_id)
    except signing.BadSignature:
        return False


def person_url(referral) -> str:
    path = reverse("referrals:about_me", kwargs={"public_id": referral.public_id})
    return f"{settings.PORTAL_BASE_URL}{path}?t={token_for(referral)}"
