"""The front door of a service: `/` with its links, Swagger UI and ReDoc served from an
installed package (no CDN, so they work offline), and the OAuth2 password flow that
lets Swagger's Authorize button sign in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.responses import HTMLResponse

from shared.kit.http.responses import JSON

ASSETS_URL = "/docs/assets"
_ASSETS = Path(fastapi_offline.__file__).parent / "static"
OAUTH2_SCHEME = "OAuth2Password"
PROBLEM = "application/problem+json"


class Links(BaseModel):
    """Where to go from here."""

    docs: str
    redoc: str
    openapi: str
    health: str
    ready: str
    metrics: str


class Home(BaseModel):
    """The service's name and version, and its links."""

    service: str
    version: str
    links: Links


def install_docs(app: FastAPI, token_url: str | None = None) -> None:
    """Serve `/`, `/docs` and `/redoc` from local assets, and refine the OpenAPI document:
    problem schemas under `application/problem+json` and, with `token_url`, the OAuth2
    password flow on every operation that takes a bearer token.

    The app must be created with `docs_url=None, redoc_url=None`.
    """
    app.mount(ASSETS_URL, StaticFiles(directory=_ASSETS), name="docs-assets")
    _add_pages(app)
    _add_home(app)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = generate()  # caches the document in app.openapi_schema
            _problems_as_problem_json(doc)
            if token_url is not None:
                _declare_oauth2(doc, token_url)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def _add_pages(app: FastAPI) -> None:
    openapi_url, redirect_url = str(app.openapi_url), "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=redirect_url,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True, "validatorUrl": None},
        )

    @app.get(redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )


def _add_home(app: FastAPI) -> None:
    links = Links(
        docs="/docs",
        redoc="/redoc",
        openapi=str(app.openapi_url),
        health="/healthz",
        ready="/readyz",
        metrics="/metrics",
    )
    home = Home(service=app.title, version=app.version, links=links).model_dump()

    @app.get("/", response_model=Home, tags=["operations"], summary="Links to docs and health")
    async def index() -> JSON:
        """The service's name and version, and where its docs, health and metrics are."""
        return JSON(home)


def _problems_as_problem_json(doc: dict[str, Any]) -> None:
    """Problem answers declare their schema under the media type they are sent with."""
    for item in doc["paths"].values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] not in "45" or PROBLEM not in content:
                    continue
                # FastAPI files the model under the route's own media type (JSON, text).
                for media in [m for m in content if m != PROBLEM]:
                    content[PROBLEM] = {**content.pop(media), **content[PROBLEM]}


def _declare_oauth2(doc: dict[str, Any], token_url: str) -> None:
    """Offer the password flow next to the plain bearer scheme, wherever that one applies."""
    schemes = doc.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[OAUTH2_SCHEME] = _password_flow(token_url)
    for item in doc["paths"].values():
        for operation in item.values():
            security = operation.get("security", [])
            if any("HTTPBearer" in requirement for requirement in security):
                security.append({OAUTH2_SCHEME: []})


def _password_flow(token_url: str) -> dict[str, Any]:
    return {
        "type": "oauth2",
        "description": "Sign in with e-mail (as username) and password; the access token "
        "it returns is sent as `Authorization: Bearer`.",
        "flows": {"password": {"tokenUrl": token_url, "scopes": {}}},
    }
