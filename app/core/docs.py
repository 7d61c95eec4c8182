"""OpenAPI docs served from local assets: government intranets have no internet."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from app.core.auth import oauth2_scheme
from app.core.context import request_ctx

STATIC = "/docs-assets"


def install_docs(app: FastAPI) -> None:
    app.mount(STATIC, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} — API",
            oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
            swagger_js_url=f"{root}{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{root}{STATIC}/favicon-32x32.png",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()


def install_bearer_security(app: FastAPI) -> None:
    """Every route taking the request's context (`CtxDep`) is documented with the bearer scheme, as a route taking
    `oauth2_scheme` as a dependency is: the context reads the token itself, so FastAPI does not see it."""
    generate = app.openapi
    name = oauth2_scheme.scheme_name

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI's own, made again only when the routes changed; marked again idempotently
        taking = [r for r in iter_route_contexts(app.routes)
                  if isinstance(r.original_route, APIRoute) and r.original_route.include_in_schema
                  and _takes_context(r.original_route.dependant)]
        for route in taking:
            for method in route.methods or ():
                operation = schema["paths"].get(route.path_format, {}).get(method.lower())
                if operation is not None and not any(name in s for s in operation.get("security", [])):
                    operation.setdefault("security", []).append({name: []})
        if taking:
            schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes.setdefault(name, oauth2_scheme.model.model_dump(by_alias=True, exclude_none=True))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _takes_context(dependant: Dependant) -> bool:
    return any(d.call is request_ctx or _takes_context(d) for d in dependant.dependencies)
