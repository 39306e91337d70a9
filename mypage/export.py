"""Everything the portal holds about one person, for "download my data" (GDPR art. 15 and 20).

``personal_data`` reads it once, as stored: codes, and dates and times as they are. The page shows it in words, in
the reader's language (``in_words``), and its template writes the dates as people write them; the file keeps the
codes, gives times in ISO 8601 and says, in English like its field names, what each field holds and what each code
in it means (``as_file``).
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import translation

from accounts.models import Membership, Role, User
from audit.acting import ActingRole
from audit.actions import Action, Read
from audit.models import AccessEvent, AuditEvent
from courses.organisations import organisation_names
from enrolment.models import Enrolment
from referrals.models import Referral

# The fields whose values are codes (by their path in the data), with the words for each code.
CODES = {
    "profile.preferred_language": dict(settings.LANGUAGES),
    "profile.contact_preference": User.ContactPreference,
    "enrolments.status": Enrolment.Status,
    "enrolments.source": Enrolment.Source,
    "referrals_about_me.status": Referral.Status,
    "referrals_about_me.consent.method": Referral.ConsentMethod,
    "roles.role": Role,
    "changes_to_my_data.action": Action,
    "changes_to_my_data.by_role": ActingRole,
    "who_has_seen_my_data.action": Read,
    "who_has_seen_my_data.by_role": ActingRole,
}

# What each field of the file holds; tests/accounts/test_my_data.py checks that every field has its line.
FIELDS = {
    "about": "This part: what the file holds, field by field, and the words for the codes it uses.",
    "profile": "Your account.",
    "profile.email": "The e-mail address you sign in with.",
    "profile.name": "Your name, or the name you chose to be called.",
    "profile.mobile": "Your mobile number in international form, if you gave one.",
    "profile.birth_date": "Your birth date (YYYY-MM-DD), if you gave one. It is used only to check age limits.",
    "profile.preferred_language": "The language the portal writes to you in, as a code (see codes).",
    "profile.contact_preference": "How you want to be contacted, as a code (see codes).",
    "profile.account_created": "When you created the account (ISO 8601).",
    "profile.last_login": "When you last signed in (ISO 8601); null if never.",
    "enrolments": "Every place you have had or asked for on a course, a waiting list and cancelled places included.",
    "enrolments.offer": "The course or offer.",
    "enrolments.semester": "The term of the course.",
    "enrolments.status": "Where the place stands now, as a code (see codes).",
    "enrolments.source": "How you came to be on the course, as a code (see codes).",
    "enrolments.created": "When you signed up or were added (ISO 8601).",
    "referrals_about_me": "Referrals a health worker has sent about you.",
    "referrals_about_me.offer": "The course or offer you were referred to.",
    "referrals_about_me.sent": "When the referral was sent (ISO 8601).",
    "referrals_about_me.status": "Where the referral stands now, as a code (see codes).",
    "referrals_about_me.referred_by": "The name of the health worker who sent it.",
    "referrals_about_me.as_typed": "Who the referral is about, as the health worker typed it (what staff see).",
    "referrals_about_me.as_typed.name": "The name the health worker typed.",
    "referrals_about_me.as_typed.email": "The e-mail address the health worker typed; empty if none.",
    "referrals_about_me.as_typed.phone": "The mobile number the health worker typed; empty if none.",
    "referrals_about_me.as_typed.birth_date": "The birth date the health worker typed (YYYY-MM-DD).",
    "referrals_about_me.service_unit": "The service the health worker works in.",
    "referrals_about_me.consent": "Your consent to the referral.",
    "referrals_about_me.consent.method": "How you gave it, as a code (see codes).",
    "referrals_about_me.consent.given": "When you gave it (ISO 8601).",
    "referrals_about_me.consent.text_version": "The version of the consent text you were read or shown.",
    "referrals_about_me.adaptation_needs": "Adjustments the health worker wrote that you need; empty if none.",
    "referrals_about_me.note": "The health worker's short note to the provider; erased when the referral closes.",
    "referrals_about_me.share_progress": "Whether the health worker may see if you started and completed (true/false).",
    "roles": "Staff roles you hold or have held in the portal.",
    "roles.role": "The role, as a code (see codes).",
    "roles.organisation": "Where you hold or held it.",
    "roles.started": "When the role started (ISO 8601).",
    "roles.ended": "When the role ended (ISO 8601); null while it lasts.",
    "changes_to_my_data": "Every change to your data, oldest first.",
    "changes_to_my_data.at": "When it happened (ISO 8601).",
    "changes_to_my_data.action": "What happened, as a code (see codes).",
    "changes_to_my_data.by_role": "The role of whoever made the change, as a code (see codes).",
    "who_has_seen_my_data": "Every time someone on the staff read your data, oldest first.",
    "who_has_seen_my_data.at": "When it happened (ISO 8601).",
    "who_has_seen_my_data.action": "What they read, as a code (see codes).",
    "who_has_seen_my_data.by_role": "The role they read it in, as a code (see codes).",
    "who_has_seen_my_data.organisation": "The organisation they read it for, as a code: its kind and number.",
    "who_has_seen_my_data.organisation_name": "The name of that organisation.",
}


def personal_data(user) -> dict:
    """Everything about the person, as stored: codes, dates and times."""
    enrolments = Enrolment.objects.filter(person=user).select_related("run__offer", "run__semester").order_by("pk")
    memberships = Membership.objects.filter(user=user).select_related(
        "service_unit", "provider", "run__offer", "run__semester", "municipality"
    )
    referrals = Referral.objects.filter(person=user).select_related("offer", "referrer", "service_unit")
    reads = list(AccessEvent.objects.filter(subject=user).order_by("at", "pk"))
    organisations = organisation_names(event.acting_organisation for event in reads)
    return {
        "profile": {
            "email": user.email,
            "name": user.first_name,
            "mobile": user.phone,
            "birth_date": user.birth_date,
            "preferred_language": user.preferred_language,
            "contact_preference": user.contact_preference,
            "account_created": user.date_joined,
            "last_login": user.last_login,
        },
        "enrolments": [
            {
                "offer": enrolment.run.offer.title,
                "semester": enrolment.run.semester.name,
                "status": enrolment.status,
                "source": enrolment.source,
                "created": enrolment.created_at,
            }
            for enrolment in enrolments
        ],
        "referrals_about_me": [
            {
                "offer": referral.offer.title,
                "sent": referral.created_at,
                "status": referral.status,
                "referred_by": referral.referrer.first_name,
                "as_typed": {
                    "name": referral.name,
                    "email": referral.email,
                    "phone": referral.phone,
                    "birth_date": referral.birth_date,
                },
                "service_unit": referral.service_unit.name,
                "consent": {
                    "method": referral.consent_method,
                    "given": referral.consent_given_at,
                    "text_version": referral.consent_text_version,
                },
                "adaptation_needs": referral.adaptation_needs,
                "note": referral.note,
                "share_progress": referral.share_progress,
            }
            for referral in referrals
        ],
        "roles": [
            {
                "role": membership.role,
                "organisation": str(membership.organisation),
                "started": membership.started_at,
                "ended": membership.ended_at,
            }
            for membership in memberships
        ],
        "changes_to_my_data": [
            {"at": event.at, "action": event.action, "by_role": event.acting_role}
            for event in AuditEvent.objects.filter(subject=user).order_by("at", "pk")
        ],
        "who_has_seen_my_data": [
            {
                "at": event.at,
                "action": event.action,
                "by_role": event.acting_role,
                "organisation": event.acting_organisation,
                "organisation_name": organisations.get(event.acting_organisation, ""),
            }
            for event in reads
        ],
    }


def in_words(data: dict) -> dict:
    """The data with each code as its words in the active language; dates and times stay dates and times."""
    return _each_value(data, lambda path, value: _words(CODES[path], value) if path in CODES and value else value)


def as_file(data: dict) -> dict:
    """The data as the downloaded file holds it: codes as stored, times in ISO 8601, and what each field means."""
    with translation.override("en"):
        codes = {
            path: {code: _words(CODES[path], code) for code in sorted(found)} for path, found in _codes_in(data).items()
        }
    values = _each_value(data, lambda path, value: value.isoformat() if isinstance(value, dt.date) else value)
    return {"about": {"fields": FIELDS, "codes": codes}, **values}


def _each_value(data, change, path=""):
    """The data with ``change(path, value)`` applied to each value; a path names the keys down to the value
    ("referrals_about_me.consent.method"), lists leave no trace in it."""
    if isinstance(data, dict):
        return {key: _each_value(value, change, f"{path}.{key}" if path else key) for key, value in data.items()}
    if isinstance(data, list):
        return [_each_value(item, change, path) for item in data]
    return change(path, data)


def _codes_in(data) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}

    def note(path, value):
        if path in CODES and value:
            found.setdefault(path, set()).add(value)
        return value

    _each_value(data, note)
    return dict(found)


def _words(choices, code: str) -> str:
    if isinstance(choices, dict):
        return str(choices.get(code, code))
    assert issubclass(choices, models.Choices)
    return str(choices(code).label) if code in choices.values else code
