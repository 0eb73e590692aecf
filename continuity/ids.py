"""Object ids as clients write them: ASCII digits within PostgreSQL's bigint.

`str.isdigit()` is not the test: it is true for "²" (which `int()` refuses) and for
other scripts' digits.
"""

import re

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)


def parse_id(raw: object) -> int | None:
    """The id `raw` spells (a positive int or a string of digits), or None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _DIGITS.fullmatch(raw):
        value = int(raw)
    else:
        return None
    return value if 0 < value <= MAX_ID else None
