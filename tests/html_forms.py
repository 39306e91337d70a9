"""What a browser would submit from a form on a page, so a test can change one field and send the rest as shown."""

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []  # (the form's id, its fields)
        self._form_id = ""
        self._fields = None
        self._select = None  # [name, multiple, first option's value, chosen values]
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form_id, self._fields = attrs.get("id") or "", []
            return
        if self._fields is None:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self._fields.append((name, attrs.get("value", "on")))
            elif kind not in {"submit", "button", "image", "reset", "file"}:
                self._fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select = [name, "multiple" in attrs, None, []]
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select[2] is None:
                self._select[2] = value
            if "selected" in attrs:
                self._select[3].append(value)
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            name, multiple, first, chosen = self._select
            # A single choice with nothing marked sends its first option, as browsers do.
            if not chosen and not multiple and first is not None:
                chosen = [first]
            self._fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self._fields.append((name, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "form" and self._fields is not None:
            self.forms.append((self._form_id, self._fields))
            self._fields = None


def form_data(html: str, *, containing: str = "", form_id: str = "") -> dict[str, str | list[str]]:
    """The fields of the page's form with this id or with a field of this name, as the test client posts them."""
    parser = _Forms()
    parser.feed(html)
    for found_id, fields in parser.forms:
        if (form_id and found_id == form_id) or (containing and any(name == containing for name, _ in fields)):
            data: dict[str, str | list[str]] = {}
            for name, value in fields:
                if name in data:
                    data[name] = [*(data[name] if isinstance(data[name], list) else [data[name]]), value]
                else:
                    data[name] = value
            return data
    raise AssertionError(f"No form on the page with the id {form_id!r} or a field named {containing!r}.")


def local(value) -> str:
    """A moment as a datetime-local field takes it, in the portal's time zone."""
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def edit_run(client, run, **changes):
    """A coordinator opens the run's page, changes what `changes` names (field name: value), and saves."""
    from django.urls import reverse

    url = reverse("enrolment:run_edit", kwargs={"run_id": run.pk})
    data = form_data(client.get(url).text, containing="run-capacity")
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.text
    return response


def save_in_admin(client, obj, **changes):
    """Staff open the object's Django admin page, change what `changes` names (field name: value), and save."""
    from django.urls import reverse

    model = obj._meta.model_name
    url = reverse(f"admin:{obj._meta.app_label}_{model}_change", args=[obj.pk])
    data = form_data(client.get(url).text, form_id=f"{model}_form")
    data.update(changes, _save="Lagre")
    response = client.post(url, data)
    assert response.status_code == 302, response.text
    return response
