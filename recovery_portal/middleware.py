"""Middleware of the portal as a whole."""

from django.conf import settings

from base.querydata import without_control_characters

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class PostedFormsWithoutControlCharacters:
    """Every form reads what was posted without control characters (tabs and line breaks stay).

    Nobody can type them, but a hand-made request can carry them, and a form with errors shows what it was given
    back in its fields: HTML allows no control characters in a page (the Nu HTML checker refuses U+0000), and
    PostgreSQL refuses U+0000 in text. One place for every form, as ``without_control_characters`` is for the
    filter forms' query strings.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type in _FORM_TYPES:
            request.POST = without_control_characters(request.POST)
        return self.get_response(request)


class PermissionsPolicy:
    """The Permissions-Policy header from ``settings.PERMISSIONS_POLICY`` ({feature: allowed origins}), on every
    response that does not set its own; none turns the feature off."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response
