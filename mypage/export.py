"""Everything the portal holds about one person, for "download my data" (GDPR art. 15 and 20)."""

from accounts.models import Membership
from audit.models import AccessEvent, AuditEvent
from enrolment.models import Enrolment
from referrals.models import Referral


def personal_data(user) -> dict:
    enrolments = Enrolment.objects.filter(person=user).select_related("run__offer", "run__semester").order_by("pk")
    memberships = Membership.objects.filter(user=user).select_related(
        "service_unit", "provider", "run__offer", "municipality"
    )
    return {
        "profile": {
            "email": user.email,
            "name": user.first_name,
            "mobile": user.phone,
            "birth_date": user.birth_date.isoformat() if user.birth_date else None,
            "preferred_language": user.preferred_language,
            "contact_preference": user.contact_preference,
            "account_created": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "enrolments": [
            {
                "offer": enrolment.run.offer.title,
                "semester": enrolment.run.semester.name,
                "status": enrolment.status,
                "source": enrolment.source,
                "created": enrolment.created_at.isoformat(),
            }
            for enrolment in enrolments
        ],
        "referrals_about_me": [
            {
                "offer": referral.offer.title,
                "sent": referral.created_at.isoformat(),
                "status": referral.status,
                "referred_by": referral.referrer.first_name,
                "service_unit": referral.service_unit.name,
                "consent": {
                    "method": referral.consent_method,
                    "given": referral.consent_given_at.isoformat(),
                    "text_version": referral.consent_text_version,
                },
                "adaptation_needs": referral.adaptation_needs,
                "note": referral.note,
                "share_progress": referral.share_progress,
            }
            for referral in Referral.objects.filter(person=user).select_related("offer", "referrer", "service_unit")
        ],
        "roles": [
            {
                "role": membership.role,
                "organisation": str(membership.organisation),
                "started": membership.started_at.isoformat(),
                "ended": membership.ended_at.isoformat() if membership.ended_at else None,
            }
            for membership in memberships
        ],
        "changes_to_my_data": [
            {"at": event.at.isoformat(), "action": event.action, "by_role": event.acting_role}
            for event in AuditEvent.objects.filter(subject=user).order_by("at", "pk")
        ],
        "who_has_seen_my_data": [
            {
                "at": event.at.isoformat(),
                "action": event.action,
                "by_role": event.acting_role,
                "organisation": event.acting_organisation,
            }
            for event in AccessEvent.objects.filter(subject=user).order_by("at", "pk")
        ],
    }
