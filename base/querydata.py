"""Query strings that filter forms show back in their fields."""

import re

from django.http import QueryDict

# HTML allows no control characters in a page (the Nu HTML checker refuses U+0000 outright), and a filter form
# shows what it was given back in its fields. Nobody can type them, so a link carrying them is read without them
# (tabs and line breaks are whitespace to HTML and stay).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def without_control_characters(data):
    """The request's query without control characters; data from code (a plain dict) is passed on as it is."""
    if not isinstance(data, QueryDict):
        return data
    if not any(_CONTROL_CHARACTERS.search(value) for _key, values in data.lists() for value in values):
        return data
    cleaned = QueryDict(mutable=True)
    for key, values in data.lists():
        cleaned.setlist(key, [_CONTROL_CHARACTERS.sub("", value) for value in values])
    return cleaned
