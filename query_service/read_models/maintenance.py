"""Read model `maintenance`: workshop windows and their completion."""

from __future__ import annotations

from query_service.read_models.page import Fold, Page
from query_service.read_models.tables import Rows
from shared.contract import events as ev

MAINTENANCE = Rows("maintenance", "maintenance_id", ids=("maintenance_id",), kind="maintenance")
TABLES = (MAINTENANCE,)


def _scheduled(p: Page, e: ev.MaintenanceScheduled) -> None:
    p[MAINTENANCE].insert(e.maintenance_id, vehicle_id=e.vehicle_id, start_at=e.start,
                          end_at=e.end, reason=e.reason, status="scheduled",
                          scheduled_at=e.occurred_at, updated_at=e.occurred_at,
                          organization_id=e.organization_id)  # fmt: skip


def _completed(p: Page, e: ev.MaintenanceCompleted) -> None:
    p[MAINTENANCE].update(e.maintenance_id, status="completed", completed_at=e.occurred_at,
                          odometer_km=e.odometer_km, updated_at=e.occurred_at)  # fmt: skip


FOLDS: dict[type[ev.Event], Fold] = {
    ev.MaintenanceScheduled: _scheduled,
    ev.MaintenanceCompleted: _completed,
}
