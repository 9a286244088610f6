"""Read model `locations`: one row per location (branch), with its organization."""

from __future__ import annotations

from query_service.read_models.page import Fold, Page
from query_service.read_models.tables import Rows
from shared.contract import events as ev

LOCATIONS = Rows("locations", "location_id", ids=("location_id",), kind="location")
TABLES = (LOCATIONS,)
_CHANGEABLE = ("name", "lat", "lon", "timezone", "address")


def _opened(p: Page, e: ev.LocationOpened) -> None:
    p[LOCATIONS].insert(
        e.location_id, organization_id=e.organization_id, name=e.name, lat=e.lat, lon=e.lon,
        timezone=e.timezone, address=e.address, version=e.version, opened_at=e.occurred_at,
        updated_at=e.occurred_at,
    )  # fmt: skip


def _updated(p: Page, e: ev.LocationUpdated) -> None:
    changed = {k: getattr(e, k) for k in _CHANGEABLE if getattr(e, k) is not None}
    p[LOCATIONS].update(e.location_id, **changed, version=e.version, updated_at=e.occurred_at)


FOLDS: dict[type[ev.StreamEvent], Fold] = {
    ev.LocationOpened: _opened,
    ev.LocationUpdated: _updated,
}
