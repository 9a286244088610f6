"""The operator console at /console/: a static page, its session and its few extra reads."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from query_service.console import board, proxy, session
from query_service.console.cookie_auth import ConsoleCookieAuth

STATIC = Path(__file__).parent / "static"
# Everything the page loads comes from this origin; nothing may frame it.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self';"
        " frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def install_console(app: FastAPI) -> None:
    """Serve the console page and assets, its session routes and the cookie reader."""
    app.include_router(session.router)
    app.include_router(board.router)
    app.include_router(proxy.router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")

    @app.get("/console", include_in_schema=False)
    async def console_root() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=308)

    @app.get("/console/", include_in_schema=False)
    async def console_page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    app.add_middleware(ConsoleCookieAuth)
