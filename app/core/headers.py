"""Security headers on every response, and CORS only for the origins a deployment names.

Pure ASGI (not BaseHTTPMiddleware) so streamed answers (SSE, CSV exports) pass through untouched. A header
the endpoint set itself wins: an endpoint that may be cached says so.
"""

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.docs import STATIC

# The API answers JSON, XML and CSV: nothing in it may load, run, frame or be framed.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The Swagger page (app/core/docs.py) loads its own bundled script and style, starts with an inline script
# FastAPI writes, fetches /openapi.json and draws data: icons. Assets are local, never a CDN.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect")
# The console and the resident page (app/web): their own scripts and styles only, no inline code; images from the
# app (signed file links) and the camera (blob: previews); calls to the same origin.
WEB_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
           "font-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
WEB_PREFIXES = ("/console", "/m/", "/web/")


def security_headers(path: str, hsts_seconds: int) -> list[tuple[bytes, bytes]]:
    """The headers a response to `path` gets (pure, for the tests and the middleware alike)."""
    headers = {
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
        "content-security-policy": DOCS_CSP if path in DOCS_PATHS
        else WEB_CSP if path == "/m" or path.startswith(WEB_PREFIXES) else API_CSP,
    }
    if not path.startswith(STATIC + "/"):
        # Answers carry personal data and depend on who asks: no browser or proxy keeps them.
        headers["cache-control"] = "no-store"
    if hsts_seconds > 0:
        headers["strict-transport-security"] = f"max-age={hsts_seconds}; includeSubDomains"
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, hsts_seconds: int):
        self.app = app
        self.hsts_seconds = hsts_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope.get("path", ""), self.hsts_seconds)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_headers(app: FastAPI, settings: Settings) -> None:
    """Added last, so it wraps everything else: CORS outermost, answering preflights before any route."""
    app.add_middleware(SecurityHeadersMiddleware, hsts_seconds=settings.hsts_seconds)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept-Language", "Idempotency-Key", "If-Match",
                           "X-Request-ID"],
            expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID", "Content-Language"],
            allow_credentials=False,  # bearer tokens, not cookies
            max_age=600,
        )
