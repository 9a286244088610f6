"""CSRF defence of the console's state-changing requests, in depth.

1. Cookies are SameSite=Strict: a cross-site request carries no session at all.
2. Same origin: the browser's `Origin` (always sent on POST) must name this host, and
   `Sec-Fetch-Site`, when sent, must be `same-origin`.
3. Double submit: the `X-CSRF-Token` header must equal the `fleet_csrf` cookie. Another
   site can neither read that cookie nor send a custom header without a CORS preflight,
   which this service never grants.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from fastapi import Request

from shared.kit.auth.errors import ForbiddenError

CSRF_COOKIE = "fleet_csrf"
CSRF_HEADER = "x-csrf-token"


class CrossSiteRequestError(ForbiddenError):
    """A state-changing console request that did not come from the console's own page."""

    title = "Cross-site request refused"


def require_same_origin(request: Request) -> None:
    """403 unless the request comes from a page of this very origin."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        raise CrossSiteRequestError(f"Sec-Fetch-Site is {site!r}, not same-origin")
    origin = request.headers.get("origin")
    if not origin or urlsplit(origin).netloc != request.headers.get("host"):
        raise CrossSiteRequestError("the Origin header must name this console's own origin")


def require_csrf(request: Request) -> None:
    """403 unless same-origin and the CSRF header matches the CSRF cookie."""
    require_same_origin(request)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), header.encode()):
        raise CrossSiteRequestError(f"send the {CSRF_COOKIE} cookie's value as X-CSRF-Token")
