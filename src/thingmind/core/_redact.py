"""Redaction of personal data (names, phone numbers, e-mail addresses) from text.

Used on log records (:class:`RedactingFilter`), on the audit trail's sentences and on
anything kept for training.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

EMAIL_MASK = "<email>"
PHONE_MASK = "<phone>"
NAME_MASK = "<name>"

_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
# Seven or more digits, with the separators people write (+44 20 7946 0958, 555-0100).
_PHONE = re.compile(r"(?<![\w.])\+?\d(?:[\s().-]{0,2}\d){6,16}(?![\w])")
# The phrase in any case, the name capitalised: "my name is Bart", not "call me at".
_INTRO = re.compile(
    r"\b((?i:my name is|i am|i'm|this is|call me))\s+([A-Z][\w'-]{1,40})"
)


def redact(text: str, *, names: Iterable[str] = ()) -> str:
    """Replace e-mail addresses, phone numbers and people's names with masks.

    Args:
        text: The text.
        names: Names known to belong to people (the site's users, contacts).

    Returns:
        The text with ``<email>``, ``<phone>`` and ``<name>`` in their place.
    """
    out = _EMAIL.sub(EMAIL_MASK, text)
    out = _PHONE.sub(PHONE_MASK, out)
    out = _INTRO.sub(lambda m: f"{m.group(1)} {NAME_MASK}", out)
    for name in sorted({n for n in names if len(n) > 1}, key=len, reverse=True):
        out = re.sub(rf"\b{re.escape(name)}\b", NAME_MASK, out, flags=re.IGNORECASE)
    return out


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message (after formatting)."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        """Redact these names besides e-mail addresses and phone numbers."""
        super().__init__()
        self._names = tuple(names)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        message = record.getMessage()
        cleaned = redact(message, names=self._names)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
