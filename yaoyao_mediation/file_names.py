"""The name a downloaded file gets, and the titles it is made of: without control or bidirectional
characters.

A title typed or pushed by a user becomes the file name the browser saves. Unicode's format characters
(category Cf: the bidirectional overrides and isolates U+202A–U+202E, U+2066–U+2069, the marks U+200E,
U+200F, U+061C, zero-width characters) and control characters (Cc) are invisible, and an override
reverses what follows it: "标题\u202egpj.exe.pdf" shows as "标题fdp.exe.jpg". They are removed where a
title is stored and again where a download's name is made (for titles stored before).
"""

from __future__ import annotations

import unicodedata

# Invisible characters that break a line or a name: controls, format characters, line/paragraph separators.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def without_controls(text: str) -> str:
    """`text` on one line without invisible characters: breaks and tabs become a space, runs of spaces one."""
    kept = []
    for character in text:
        if unicodedata.category(character) not in INVISIBLE_CATEGORIES:
            kept.append(character)
        elif character.isspace():  # \t, \n, \r, U+0085, U+2028, U+2029: words stay apart
            kept.append(" ")
    return " ".join("".join(kept).split())


def attachment_name(title: str, extension: str) -> str:
    """The file name of a download: the title without invisible characters, then the file's own extension."""
    return f"{without_controls(title) or 'download'}.{extension}"
