import functools

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, reverse, translate_url
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
    """This very page in each language, with the same query string."""
    match = request.resolver_match
    routed = match is not None and match.url_name
    paths = (
        _route_in_each_language(
            get_script_prefix(), match.view_name, tuple(match.args), tuple(sorted(match.kwargs.items()))
        )
        if routed
        else {}
    )
    query = request.META.get("QUERY_STRING", "")
    links = []
    for code, name in _language_names():
        path = paths.get(code)
        url = translate_url(request.get_full_path(), code) if path is None else path + (f"?{query}" if query else "")
        links.append({"code": code, "name": name, "url": url})
    return links


# Each language by its own name, as short as it is still clear: Django's "norsk (bokmål)" and "norsk (nynorsk)"
# took the language menu to a second line on a phone, on every page.
SHORT_NAMES = {"nb": "Bokmål", "nn": "Nynorsk"}


@functools.cache
def _language_names():
    return tuple(
        (code, SHORT_NAMES.get(code) or get_language_info(code)["name_local"]) for code in dict(settings.LANGUAGES)
    )


@functools.lru_cache(maxsize=8192)
def _route_in_each_language(script_prefix, view_name, args, kwargs) -> dict[str, str | None]:
    """{language: path} for a resolved route. Reversing it in four languages took a sixth of a small page's
    rendering time on every page, and the answer depends only on the route, so each process remembers it."""
    paths = {}
    for code in dict(settings.LANGUAGES):
        with translation.override(code):
            try:
                paths[code] = reverse(view_name, args=args, kwargs=dict(kwargs))
            except NoReverseMatch:
                paths[code] = None
    return paths
