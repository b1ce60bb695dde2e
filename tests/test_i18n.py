"""English translation: the language switch works, and locale/en is complete and compiled.

Simplified Chinese is the source language; English comes from locale/en/LC_MESSAGES/django.po,
compiled to django.mo (`manage.py compilemessages`).
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EN_MESSAGES = PROJECT_ROOT / "locale" / "en" / "LC_MESSAGES"
PO_FILE = EN_MESSAGES / "django.po"
MO_FILE = EN_MESSAGES / "django.mo"

# %(name)s, %s, %d, %% ... and {name} / {0} / {}
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcou%]|\{[^{}]*\}")


# --- a tiny .po reader -----------------------------------------------------------------------------


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None


def _unquote(token: str) -> str:
    assert token.startswith('"') and token.endswith('"'), token
    body = token[1:-1]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), body)


def parse_po(text: str) -> list[Entry]:
    """Entries of a .po file; obsolete (#~) entries are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None  # which field a continuation line extends

    def start(lineno: int) -> Entry:
        nonlocal current
        if current is None or current.msgstr:  # the previous entry is complete
            current = Entry(line=lineno)
            entries.append(current)
        return current

    def append(name: str, index: int | None, value: str) -> None:
        entry = current
        if name == "msgstr":
            entry.msgstr[index or 0] = entry.msgstr.get(index or 0, "") + value
        else:
            setattr(entry, name, (getattr(entry, name) or "") + value)

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            target = None
            continue
        if line.startswith("#,"):
            start(lineno).flags.update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert target is not None, f"django.po:{lineno}: continuation line outside an entry"
            append(*target, _unquote(line))
            continue
        keyword, _, rest = line.partition(" ")
        match = re.fullmatch(r"(msgctxt|msgid|msgid_plural|msgstr)(?:\[(\d+)\])?", keyword)
        assert match, f"django.po:{lineno}: cannot read {raw!r}"
        name, index = match.group(1), match.group(2)
        if name in ("msgctxt", "msgid"):
            entry = start(lineno)
            if name == "msgid" and entry.msgctxt is None and entry.msgid:
                raise AssertionError(f"django.po:{lineno}: msgid without msgstr before it")
        target = (name, int(index) if index is not None else None)
        if name == "msgstr" and current is not None:
            current.msgstr.setdefault(target[1] or 0, "")
        append(*target, _unquote(rest.strip()))
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_FILE.exists(), "run `manage.py makemessages -l en` (see README) to create the .po file"
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


def _describe(entry: Entry) -> str:
    return f"django.po:{entry.line} {entry.msgid!r}"


def test_po_parser_reads_the_shapes_gettext_writes():
    text = "\n".join(
        [
            'msgid ""',
            'msgstr ""',
            '"Language: en\\n"',
            "",
            "#: a.py:1",
            "#, fuzzy, python-format",
            'msgid ""',
            '"长"',
            '"文本 %(n)s"',
            'msgstr "Long \\"text\\" %(n)s"',
            "",
            'msgctxt "菜单"',
            'msgid "一个"',
            'msgid_plural "多个"',
            'msgstr[0] "one"',
            'msgstr[1] ""',
            "",
            '#~ msgid "旧"',
            '#~ msgstr "old"',
        ]
    )
    header, long_text, plural = parse_po(text)
    assert header.is_header and header.msgstr == {0: "Language: en\n"}
    assert long_text.msgid == "长文本 %(n)s" and long_text.msgstr == {0: 'Long "text" %(n)s'}
    assert long_text.flags == {"fuzzy", "python-format"}
    assert plural.msgctxt == "菜单" and plural.msgid_plural == "多个"
    assert plural.msgstr == {0: "one", 1: ""}


# --- the catalogue --------------------------------------------------------------------------------


def test_po_file_is_the_english_catalogue(po_entries):
    header = po_entries[0]
    assert header.is_header
    assert "Language: en\n" in header.msgstr[0]
    assert len(po_entries) > 50, "the catalogue looks empty: was makemessages run over templates/?"


def test_every_message_is_translated(po_entries):
    untranslated = [
        _describe(e) for e in po_entries if not e.is_header and not all(s.strip() for s in e.msgstr.values())
    ]
    assert not untranslated, "untranslated messages:\n" + "\n".join(untranslated)


def test_no_message_is_fuzzy(po_entries):
    fuzzy = [_describe(e) for e in po_entries if "fuzzy" in e.flags]
    assert not fuzzy, "fuzzy entries (msgfmt drops them):\n" + "\n".join(fuzzy)


def test_placeholders_are_kept(po_entries):
    broken = []
    for entry in po_entries:
        if entry.is_header:
            continue
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        for translation in entry.msgstr.values():
            if sorted(PLACEHOLDER.findall(translation)) != wanted:
                broken.append(f"{_describe(entry)} -> {translation!r}")
    assert not broken, "placeholders differ:\n" + "\n".join(broken)


def test_no_chinese_left_in_english(po_entries):
    chinese = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    leftover = [f"{_describe(e)} -> {s!r}" for e in po_entries for s in e.msgstr.values() if chinese.search(s)]
    assert not leftover, "Chinese text in English translations:\n" + "\n".join(leftover)


def test_mo_file_matches_po_file(po_entries):
    """django.mo is what Django reads: it must be compiled from the current django.po."""
    assert MO_FILE.exists(), "run `manage.py compilemessages` to create django.mo"
    with MO_FILE.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = []
    for entry in po_entries:
        if entry.is_header or entry.msgid_plural is not None:
            continue
        if entry.msgctxt is not None:
            compiled = catalogue.pgettext(entry.msgctxt, entry.msgid)
        else:
            compiled = catalogue.gettext(entry.msgid)
        if compiled != entry.msgstr[0]:
            stale.append(f"{_describe(entry)}: .mo has {compiled!r}, .po has {entry.msgstr[0]!r}")
    assert not stale, "django.mo is out of date; run compilemessages:\n" + "\n".join(stale)


# --- the language switch --------------------------------------------------------------------------


def test_languages_are_chinese_then_english():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


def test_login_page_is_chinese_by_default(client, db):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert "用户名" in html
    assert "Sign in" not in html


def test_login_page_is_english_after_switching(client, db):
    login_url = reverse("accounts:login")
    response = client.post(reverse("set_language"), {"language": "en", "next": login_url})
    assert response.status_code == 302
    assert response["Location"] == login_url

    response = client.get(login_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "Username" in html
    assert "Password" in html
    assert "Detention-Mediation Platform" in html
    assert "登录" not in html
    # The switch offers the way back.
    assert '<option value="zh-hans">' in html


def test_switching_back_to_chinese(client, db):
    login_url = reverse("accounts:login")
    client.post(reverse("set_language"), {"language": "en", "next": login_url})
    client.post(reverse("set_language"), {"language": "zh-hans", "next": login_url})
    html = client.get(login_url).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html


def test_it_stays_chinese_for_an_english_browser_until_the_user_switches(client, db):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert '<html lang="zh-hans">' in response.content.decode()
    assert "登录" in response.content.decode()
