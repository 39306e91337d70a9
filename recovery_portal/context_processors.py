from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language_info


def site(request):
    """The portal's name, links to this very page in each language, and which menu items to show."""
    from accounts import access
    from enrolment import access as enrolment_access
    from referrals import access as referral_access

    path = request.get_full_path()
    user = getattr(request, "user", None)
    return {
        "portal_name": settings.PORTAL_NAME,
        "show_staff_admin": bool(user and user.is_authenticated and access.is_municipality_admin(user)),
        "show_referrals": bool(user and user.is_authenticated and referral_access.can_refer(user)),
        "show_course_staff": bool(
            user
            and user.is_authenticated
            and (enrolment_access.is_coordinator(user) or enrolment_access.is_facilitator(user))
        ),
        "language_links": [
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "url": translate_url(path, code),
            }
            for code, _name in settings.LANGUAGES
        ],
    }
