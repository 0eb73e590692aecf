"""The README's configuration table names every environment variable the settings read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(r'env_(?:bool|int|str|list)\(\s*"([A-Z0-9_]+)",\s*([^,)]+)')


def _configuration_table() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Configuration")
    return readme[start : readme.index("\n## ", start + 1)]


def _variables_read() -> dict[str, str]:
    return dict(READ.findall((ROOT / "continuity" / "settings.py").read_text()))


def test_every_variable_the_settings_read_is_in_the_table():
    table = _configuration_table()
    missing = sorted(name for name in _variables_read() if f"`{name}`" not in table)
    assert missing == []


def test_integer_defaults_in_the_table_match_the_settings():
    rows = {
        name: line
        for line in _configuration_table().splitlines()
        for name in re.findall(r"`([A-Z0-9_]+)`", line.split("|")[1] if "|" in line else "")
    }
    wrong = [
        name
        for name, default in _variables_read().items()
        if default.strip().isdecimal() and name in rows and f"`{default.strip()}`" not in rows[name]
    ]
    assert wrong == []
