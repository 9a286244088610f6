"""Each service's front door works with no internet: `/` links to the docs, health and
metrics, and /docs and /redoc load only assets the service itself serves."""

from __future__ import annotations

import re

import httpx
import pytest

ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*["']([^"']+)["']""")
SERVICES = ["command", "query"]


@pytest.fixture
def clients(command: httpx.AsyncClient, query: httpx.AsyncClient) -> dict[str, httpx.AsyncClient]:
    return {"command": command, "query": query}


@pytest.mark.parametrize("service", SERVICES)
async def test_the_root_links_to_docs_health_and_metrics(clients, service):
    client = clients[service]
    resp = await client.get("/")
    assert resp.status_code == 200, resp.text
    links = resp.json()["links"]
    assert {"docs", "redoc", "openapi", "health", "ready", "metrics"} <= set(links)
    for name, path in links.items():
        followed = await client.get(path)
        assert followed.status_code == 200, (name, path, followed.text[:200])


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
@pytest.mark.parametrize("service", SERVICES)
async def test_the_docs_pages_load_only_same_origin_assets(clients, service, page):
    client = clients[service]
    html = await client.get(page)
    assert html.status_code == 200
    assets = [a or b for a, b in ASSET.findall(html.text)]
    assert len(assets) >= 2, html.text
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        resp = await client.get(asset)
        assert resp.status_code == 200, asset
        assert len(resp.content) > 0, asset
