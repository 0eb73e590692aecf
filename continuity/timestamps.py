"""The times the service accepts (SPEC §6: "Timestamps outside years 2000–2100 are 400").

Pure: every way a time enters (serializer fields, filters, the ingest validator, SLA
ranges) asks `instant_problem`. A year-1 time with a positive offset is a BC instant in
UTC, which PostgreSQL stores but Python cannot read back; offsets beyond ±14:00 exist in
no timezone.
"""

from datetime import UTC, datetime, timedelta

MIN_YEAR = 2000
MAX_YEAR = 2100
MAX_UTC_OFFSET = timedelta(hours=14)
OUT_OF_RANGE = (
    f"must be between the years {MIN_YEAR} and {MAX_YEAR}, with a UTC offset within ±14:00"
)


def instant_problem(value: datetime) -> str | None:
    """Why `value` is not an acceptable time (`OUT_OF_RANGE`), or None."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return OUT_OF_RANGE
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        return OUT_OF_RANGE
    if offset is not None and not MIN_YEAR <= value.astimezone(UTC).year <= MAX_YEAR:
        return OUT_OF_RANGE
    return None
