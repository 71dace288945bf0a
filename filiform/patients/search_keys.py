"""Normalised search keys, so that name, phone and date-of-birth look-ups use plain B-tree range
scans on both SQLite and PostgreSQL whatever the database's collation.

A name key keeps only ASCII letters and digits, lower-cased, with accents removed ("Côté-Roy" →
"coteroy"); a prefix search is then the range [key, next_key), which sorts the same in every
collation because the alphabet is only [0-9a-z]. A phone key is the number's digits without the
North American trunk "1"; its last four digits are kept apart for the common "last four" look-up.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def name_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch in ALPHABET)


def prefix_upper_bound(key: str) -> str | None:
    """The smallest key after every key that starts with ``key`` (None: no upper bound)."""
    while key:
        last = ALPHABET.index(key[-1])
        if last + 1 < len(ALPHABET):
            return key[:-1] + ALPHABET[last + 1]
        key = key[:-1]
    return None


def phone_key(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits
