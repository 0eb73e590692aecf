"""One workflow's figures for a period as stored text and back (`reports.models.StoredFigures`).

Pure, no Django. An entry keeps the workflow's API row as built (`reports.figures.workflow_row`)
and the numbers the customer summary adds up (`SLAFigures`, `OutageImpact`), so a body built
from stored entries is the body computed live, byte for byte. Decimals keep their exponent
and datetimes their offset. Bump `STORE_VERSION` whenever what is stored changes: rows of
another version are recomputed.
"""

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from reports import fingerprint
from reports.impact import OutageImpact
from reports.sla import SLAFigures

STORE_VERSION = 1 * 100 + fingerprint.VERSION


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "decimal" in value:
            return Decimal(value["decimal"])
        if "datetime" in value:
            return datetime.fromisoformat(value["datetime"])
    return value


def _dataclass_encode(item: Any) -> dict:
    return {f.name: _encode(getattr(item, f.name)) for f in fields(item)}


def _dataclass_decode(cls: type, data: dict) -> Any:
    return cls(**{f.name: _decode(data[f.name]) for f in fields(cls)})


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
