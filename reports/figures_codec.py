"""One workflow's figures for a period as stored text and back (`reports.models.StoredFigures`).

Pure, no Django. An entry keeps the workflow's API row as built (`reports.figures.workflow_row`)
and the numbers the customer summary adds up (`SLAFigures`, `OutageImpact`), so a body built
from stored entries is the body computed live, byte for byte. Decimals keep their exponent
and datetimes their offset. Bump `STORE_VERSION` whenever what is stored changes: rows of
another version are recomputed.
"""

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any, get_type_hints

from reports import fingerprint
from reports.impact import OutageImpact
from reports.sla import SLAFigures

STORE_VERSION = 2 * 100 + fingerprint.VERSION


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _converter(annotation: Any) -> Callable[[Any], Any] | None:
    """How a stored value of a field with this annotation comes back (None: as it is)."""
    text = str(annotation)
    if "Decimal" in text:
        return Decimal
    if "datetime" in text:
        return datetime.fromisoformat
    return None


@cache
def _layout(cls: type) -> tuple[tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]]:
    hints = get_type_hints(cls)
    names = tuple(f.name for f in fields(cls))
    return names, tuple(_converter(hints[name]) for name in names)


@cache
def _conversions(cls: type) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    _, converters = _layout(cls)
    return tuple((i, convert) for i, convert in enumerate(converters) if convert is not None)


def _dataclass_encode(item: Any) -> list:
    """The field values in declaration order (compact, and quick to read back)."""
    names, converters = _layout(type(item))
    values = [getattr(item, name) for name in names]
    for name, convert, value in zip(names, converters, values, strict=True):
        if convert is None and isinstance(value, Decimal | datetime):
            raise TypeError(f"{type(item).__name__}.{name} holds a {type(value).__name__}")
    return [_encode(value) for value in values]


def _dataclass_decode(cls: type, values: list) -> Any:
    """The instance back. Its fields are set directly: the values were an instance's, checked
    when it was made, and thousands are read per request."""
    names, _ = _layout(cls)
    if len(values) != len(names):
        raise ValueError(f"{cls.__name__}: {len(values)} values for {len(names)} fields")
    for index, convert in _conversions(cls):
        if values[index] is not None:
            values[index] = convert(values[index])
    item = object.__new__(cls)
    item.__dict__.update(zip(names, values, strict=True))
    return item


@dataclass(frozen=True)
class StoredEntry:
    """One workflow's figures over one period: the API row and the summary's numbers."""

    workflow_id: int
    row: dict
    figures: SLAFigures
    impacts: list[OutageImpact]
    fingerprint: str

    def encoded(self) -> dict:
        return {
            "row": self.row,
            "figures": _dataclass_encode(self.figures),
            "impacts": [_dataclass_encode(item) for item in self.impacts],
        }

    @classmethod
    def decoded(cls, workflow_id: int, data: dict, fingerprint_sha256: str) -> "StoredEntry":
        return cls(
            workflow_id=workflow_id,
            row=data["row"],
            figures=_dataclass_decode(SLAFigures, data["figures"]),
            impacts=[_dataclass_decode(OutageImpact, item) for item in data["impacts"]],
            fingerprint=fingerprint_sha256,
        )

    def row_named(self, name: str) -> dict:
        """The row with the workflow's current name (a rename does not touch the figures)."""
        return {**self.row, "name": name}
