"""The provider as a service: health, metrics, and its API documented offline."""

from __future__ import annotations

from tests.sandbox.provider import Provider


def test_health_readiness_and_metrics_answer(provider: Provider) -> None:
    with provider.client() as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/readyz").status_code == 200
        assert "process_cpu_seconds_total" in http.get("/metrics").text


def test_the_api_is_documented_without_a_cdn(provider: Provider) -> None:
    with provider.client() as http:
        paths = http.get("/openapi.json").json()["paths"]
        page = http.get("/docs").text
        assert http.get("/").json()["links"]["docs"] == "/docs"
    assert {
        "/v1/authorizations",
        "/v1/authorizations/{authorization_id}/capture",
        "/v1/authorizations/{authorization_id}/void",
        "/v1/authorizations/{authorization_id}/refunds",
        "/v1/ledger",
    } <= set(paths)
    assert "/docs/assets/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
