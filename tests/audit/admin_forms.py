"""Post a Django admin form the way a browser would: every field as the page renders it."""

from html.parser import HTMLParser


class _FormFields(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            self._input(attrs)
        elif tag == "select":
            self._select = attrs["name"]
            self.fields.setdefault(self._select, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select].append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields[self._textarea] = [""]

    def _input(self, attrs):
        kind = attrs.get("type", "text")
        if kind in ("submit", "button", "file"):
            return
        if kind in ("checkbox", "radio") and "checked" not in attrs:
            return
        default = "on" if kind in ("checkbox", "radio") else ""
        self.fields.setdefault(attrs["name"], []).append(attrs.get("value") or default)

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_data(html: str, form_id: str) -> dict[str, list[str]]:
    parser = _FormFields(form_id)
    parser.feed(html)
    return {
        name: [value.removeprefix("\n") for value in values]  # a browser drops it too
        for name, values in parser.fields.items()
    }


def post_change_form(client, url: str, form_id: str, **changes):
    """GET the admin form at `url`, change some fields, POST it back."""
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page.content.decode(), form_id)
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    data.pop("_saveasnew", None)
    data["_save"] = ["Save"]
    return client.post(url, data)


def form_errors(response) -> list:
    """What the admin refused, for an assertion message."""
    if response.context is None or "adminform" not in response.context:
        return []
    errors = [response.context["adminform"].form.errors]
    errors += [inline.formset.errors for inline in response.context["inline_admin_formsets"]]
    return [error for error in errors if error]
