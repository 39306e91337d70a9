from django.conf import settings
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import translation
from django.utils.translation import get_language_info


def site(request):
    """The portal's name, links to this very page in each language, and which menu items to show."""
    from accounts import access
    from enrolment import access as enrolment_access
    from referrals import access as referral_access

    user = getattr(request, "user", None)
    return {
        "portal_name": settings.PORTAL_NAME,
        "show_staff_admin": bool(user and user.is_authenticated and access.is_municipality_admin(user)),
        "show_referrals": bool(user and user.is_authenticated and referral_access.can_refer(user)),
        "show_course_staff": bool(user and user.is_authenticated and enrolment_access.is_course_staff(user)),
        "language_links": _language_links(request),
    }


def _language_links(request):
    """This very page in each language (the URL was resolved once already; reversing is cheap)."""
    match = request.resolver_match
    query = request.META.get("QUERY_STRING", "")
    links = []
    for code, _name in settings.LANGUAGES:
        url = None
        if match is not None and match.url_name:
            with translation.override(code):
                try:
                    url = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
                except NoReverseMatch:
                    url = None
            if url is not None and query:
                url = f"{url}?{query}"
        links.append(
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "url": url or translate_url(request.get_full_path(), code),
            }
        )
    return links
