"""Organizations: every stream, event, account and read-model row belongs to exactly one.

An installation starts with one organization, `default`. Its id is fixed, so that events
stored before organizations existed can be read as belonging to it (see upcasting.py)
without a lookup and without rewriting anything stored.
"""

from __future__ import annotations

from uuid import UUID

DEFAULT_ORGANIZATION_ID = UUID("00000000-0000-4000-8000-000000000001")
DEFAULT_ORGANIZATION_SLUG = "default"
