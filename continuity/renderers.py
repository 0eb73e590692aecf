"""The API's renderers: JSON that never fails on unencodable text, and the exports through
DRF content negotiation: CSV (`?format=csv`) and iCalendar (`.ics`)."""

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC
from decimal import Decimal, InvalidOperation

import icalendar
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import renderers
from rest_framework.renderers import BaseRenderer

LIST_SEPARATOR = ";"

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv"],
    description="csv: the same figures as a CSV download, a header row first",
)
CSV_RESPONSE = {(200, "text/csv"): OpenApiTypes.STR}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def attachment(filename: str) -> dict[str, str]:
    """A Content-Disposition header for a download, with a filename safe on any system."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", filename)
    return {"Content-Disposition": content_disposition_header(True, safe)}


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def cell(value) -> str:
    """One CSV cell: empty for None, true/false, lists joined with ';'.

    Text a spreadsheet would run as a formula (=, +, -, @ first) gets a leading quote,
    unless it is a number such as -6.8.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(cell(item) for item in value)
    text = str(value)
    if text.startswith(_FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write() hands back the line csv.writer wrote."""

    def write(self, line: str) -> str:
        return line


def csv_lines(header: list[str], rows: Iterable[Mapping]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([cell(row.get(column)) for column in header])


class CSVRenderer(BaseRenderer):
    """A list of flat dicts as CSV: a header row (every key, in order of first use), then
    one row per dict."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        rows = [data] if isinstance(data, Mapping) else list(data or [])
        header = list(dict.fromkeys(key for row in rows for key in row))
        return "".join(csv_lines(header, rows)).encode(self.charset)

    def stream(self, header: list[str], rows: Iterable[Mapping]) -> Iterator[bytes]:
        for line in csv_lines(header, rows):
            yield line.encode(self.charset)


class ICalendarRenderer(BaseRenderer):
    """`{"name": ..., "events": [{"uid", "start", "end", "summary", "description",
    "stamp"}]}` as an iCalendar (RFC 5545) feed, every time in UTC."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if not (isinstance(data, Mapping) and "events" in data):
            # not a feed (OPTIONS metadata, an error): answered as the API's JSON
            response = (renderer_context or {}).get("response")
            if response is not None:
                response["Content-Type"] = "application/json"
            return JSONRenderer().render(data, "application/json", renderer_context)
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//Continuity//Maintenance windows//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", data["name"])
        for item in data["events"]:
            event = icalendar.Event()
            event.add("uid", item["uid"])
            event.add("dtstamp", item["stamp"].astimezone(UTC))
            event.add("dtstart", item["start"].astimezone(UTC))
            event.add("dtend", item["end"].astimezone(UTC))
            event.add("summary", item["summary"])
            if item.get("description"):
                event.add("description", item["description"])
            calendar.add_component(event)
        return calendar.to_ical()


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer, which never fails on text it cannot encode as UTF-8.

    An error message may echo the input it refuses, and JSON input can carry a lone
    surrogate ("\\ud800"); such a body is written with ASCII escapes instead of a 500.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return _ASCIIJSONRenderer().render(data, accepted_media_type, renderer_context)


class _ASCIIJSONRenderer(renderers.JSONRenderer):
    ensure_ascii = True
