"""The envelope every event of every kind of stream carries (shared/contract/events.py
lists the kinds and their events)."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict

from shared.contract.upcasting import CURRENT_SCHEMA


class StreamEvent(BaseModel):
    """Envelope shared by the events of every kind of stream."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    # The kind of stream ("vehicle", "location") and the field naming its id.
    STREAM: ClassVar[str]
    STREAM_ID: ClassVar[str]
    event_id: UUID
    version: int
    occurred_at: AwareDatetime
    organization_id: UUID
    schema_version: int = CURRENT_SCHEMA

    @property
    def stream_id(self) -> UUID:
        """The id of the stream this event belongs to (its Kafka key, its ce_subject)."""
        value: UUID = getattr(self, self.STREAM_ID)
        return value
