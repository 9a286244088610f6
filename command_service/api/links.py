"""OpenAPI links from the operations that create something to the operations on it, so
that clients (and stateful fuzzers) can chain create → act without guessing."""

from __future__ import annotations

from typing import Any


def link(
    method: str, path: str, description: str, body: bool = False, **from_response: str
) -> dict[str, Any]:
    """An OpenAPI link to `method path`, filling its parameters (or, with `body`, fields of
    its JSON body) from fields of this response's body."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    values = {name: f"$response.body#/{field}" for name, field in from_response.items()}
    found: dict[str, Any] = {
        "operationRef": f"#/paths/{pointer}/{method}",
        "description": description,
    }
    found["requestBody" if body else "parameters"] = values
    return found


VEHICLE_LINKS = {
    "UpdateVehicle": link(
        "patch", "/v1/vehicles/{vehicle_id}", "Change its details.", vehicle_id="vehicle_id"
    ),
    "ChangeStatus": link(
        "post", "/v1/vehicles/{vehicle_id}/status", "Change its status.", vehicle_id="vehicle_id"
    ),
    "RetireVehicle": link(
        "post", "/v1/vehicles/{vehicle_id}/retire", "Retire it.", vehicle_id="vehicle_id"
    ),
    "ScheduleMaintenance": link(
        "post",
        "/v1/vehicles/{vehicle_id}/maintenance",
        "Block a workshop window.",
        vehicle_id="vehicle_id",
    ),
    "PlaceHold": link(
        "post", "/v1/holds", "Hold a window on it.", body=True, vehicle_id="vehicle_id"
    ),
    "Book": link(
        "post", "/v1/bookings", "Book a window on it.", body=True, vehicle_id="vehicle_id"
    ),
    "History": link(
        "get", "/v1/vehicles/{vehicle_id}/history", "Its audit trail.", vehicle_id="vehicle_id"
    ),
}
LOCATION_LINKS = {
    "UpdateLocation": link(
        "patch", "/v1/locations/{location_id}", "Change it.", location_id="location_id"
    ),
    "LocationHistory": link(
        "get", "/v1/locations/{location_id}/history", "Its audit trail.", location_id="location_id"
    ),
    "RegisterVehicleHere": link(
        "post", "/v1/vehicles", "Register a vehicle at it.", body=True, location_id="location_id"
    ),
}
POLICY_LINKS = {
    "RevisePolicy": link(
        "put",
        "/v1/pricing/policies/{policy_id}",
        "Publish its next version.",
        policy_id="policy_id",
    ),
    "PolicyHistory": link(
        "get", "/v1/pricing/policies/{policy_id}/history", "Its versions.", policy_id="policy_id"
    ),
}
MAINTENANCE_LINKS = {
    "CompleteMaintenance": link(
        "post",
        "/v1/maintenance/{maintenance_id}/complete",
        "Complete it.",
        maintenance_id="maintenance_id",
    ),
}
HOLD_LINKS = {
    "ConfirmHold": link("post", "/v1/holds/{hold_id}/confirm", "Book it.", hold_id="hold_id"),
    "ReleaseHold": link("post", "/v1/holds/{hold_id}/release", "Give it back.", hold_id="hold_id"),
}
BOOKING_LINKS = {
    "CancelBooking": link(
        "post", "/v1/bookings/{booking_id}/cancel", "Cancel it.", booking_id="booking_id"
    ),
    "StartTrip": link("post", "/v1/trips", "Start its trip.", body=True, booking_id="booking_id"),
}
QUOTE_LINKS = {
    "HoldAtQuote": link(
        "post",
        "/v1/holds",
        "Hold its window at its price.",
        body=True,
        quote_id="quote_id",
        vehicle_id="vehicle_id",
        start="start",
        end="end",
    ),
    "BookAtQuote": link(
        "post",
        "/v1/bookings",
        "Book its window at its price.",
        body=True,
        quote_id="quote_id",
        vehicle_id="vehicle_id",
        start="start",
        end="end",
    ),
}
TRIP_LINKS = {
    "EndTrip": link("post", "/v1/trips/{trip_id}/end", "End it.", trip_id="trip_id"),
}
USER_LINKS = {
    "ChangeRole": link("post", "/v1/users/{user_id}/role", "Give it a role.", user_id="user_id"),
}
ORGANIZATION_LINKS = {
    "GetOrganization": link(
        "get",
        "/v1/organizations/{organization_id}",
        "Read it.",
        organization_id="organization_id",
    ),
    "AddStaff": link(
        "post",
        "/v1/organizations/{organization_id}/staff",
        "Create its fleet managers and admins.",
        organization_id="organization_id",
    ),
}
