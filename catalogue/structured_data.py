"""schema.org Course / CourseInstance data for an offer page, as a JSON-LD string."""

import json

from django.conf import settings

_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def offer_json_ld(*, offer, runs, places) -> str:
    base = settings.PORTAL_BASE_URL
    data = {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": offer.title,
        "description": offer.summary,
        "url": base + offer.get_absolute_url(),
        "inLanguage": offer.content_language,
        "isAccessibleForFree": offer.is_free,
        "provider": {
            "@type": "Organization",
            "name": offer.provider.name,
            "url": base + offer.provider.get_absolute_url(),
        },
        "hasCourseInstance": [_instance(offer, run, places) for run in runs],
    }
    if offer.min_age is not None or offer.max_age is not None:
        data["typicalAgeRange"] = f"{offer.min_age or ''}-{offer.max_age or ''}"
    return json.dumps(data, ensure_ascii=False).translate(_ESCAPES)


def _instance(offer, run, places):
    sessions = list(run.sessions.all())
    instance = {
        "@type": "CourseInstance",
        "name": str(run),
        "courseMode": "onsite",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "startDate": run.starts_at.isoformat() if run.starts_at else None,
        "endDate": run.ends_at.isoformat() if run.ends_at else None,
        "maximumAttendeeCapacity": run.capacity,
        "remainingAttendeeCapacity": run.seats.free,
        "subEvent": [
            {
                "@type": "Event",
                "name": session.theme or offer.title,
                "startDate": session.starts_at.isoformat(),
                "endDate": session.ends_at.isoformat(),
            }
            for session in sessions
        ],
    }
    if run.facilitator_names:
        instance["instructor"] = [{"@type": "Person", "name": name} for name in run.facilitator_names]
    location = next((s.location for s in sessions if s.location), None) or (places[0] if places else None)
    if location:
        instance["location"] = {
            "@type": "Place",
            "name": location.name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": location.street_address,
                "postalCode": location.postal_code,
                "addressLocality": location.city,
            },
        }
    return {key: value for key, value in instance.items() if value is not None}
