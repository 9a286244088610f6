"""E-mail addresses normalised once, so uniqueness cannot be dodged by case or spacing."""

from __future__ import annotations

import re
import unicodedata

MAX_EMAIL = 254
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$"  # of a normalised address
_SHAPE = re.compile(EMAIL_PATTERN)


def normalise_email(raw: str) -> str:
    """NFKC, trimmed, lower case; raises ValueError unless it looks like an address."""
    email = unicodedata.normalize("NFKC", raw).strip().lower()
    if len(email) > MAX_EMAIL or not _SHAPE.fullmatch(email):
        raise ValueError("not a valid e-mail address")
    if any(unicodedata.category(ch).startswith("C") for ch in email):
        raise ValueError("e-mail addresses may not contain control characters")
    return email
