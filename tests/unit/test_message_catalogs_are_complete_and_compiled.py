"""The committed catalogs: every message translated, the same placeholders as the English,
and the compiled .mo (what Django reads) in step with the .po (what people edit)."""

import gettext
import re
from pathlib import Path

import pytest

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
LANGUAGES = ("de", "zh_Hans")
PLACEHOLDER = re.compile(r"%\(\w+\)s|%%")


def _unquote(text: str) -> str:
    return text.replace('\\"', '"').replace("\\\\", "\\")


def entries(language: str) -> dict[str, str]:
    """msgid (with "context\\x04" before it when it has one) → msgstr, from the .po."""
    po = (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    found = {}
    pattern = r'(?:msgctxt "(.*)"\n)?msgid "(.+)"\nmsgstr "(.*)"'
    for context, msgid, msgstr in re.findall(pattern, po):
        key = f"{_unquote(context)}\x04{_unquote(msgid)}" if context else _unquote(msgid)
        found[key] = _unquote(msgstr)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(language):
    messages = entries(language)
    assert len(messages) > 100
    for msgid, msgstr in messages.items():
        assert msgstr, f"{language}: {msgid!r} has no translation"
        assert sorted(PLACEHOLDER.findall(msgstr)) == sorted(PLACEHOLDER.findall(msgid)), msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_matches_the_po_file(language):
    mo = LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    compiled = {k: v for k, v in compiled.items() if k}  # "" is the header
    assert compiled == entries(language), "run `make messages` after editing the .po file"
