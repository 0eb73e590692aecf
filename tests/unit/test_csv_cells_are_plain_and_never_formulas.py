import csv
import io

import pytest

from continuity.renderers import CSVRenderer, cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        ("-6.8", "-6.8"),
        ("+1", "+1"),
        ([3, 5], "3;5"),
        ((), ""),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tindented", "'\tindented"),
        ('开元物流, "quoted"', '开元物流, "quoted"'),
    ],
)
def test_cells(value, expected):
    assert cell(value) == expected


def test_the_header_is_every_key_in_order_of_first_use():
    content = CSVRenderer().render([{"a": 1, "b": None}, {"c": "x,y", "a": 2}]).decode()
    assert list(csv.reader(io.StringIO(content))) == [
        ["a", "b", "c"],
        ["1", "", ""],
        ["2", "", "x,y"],
    ]
