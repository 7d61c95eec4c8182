"""Serve the console and the resident page from the package's own files: no CDN, no build step at runtime."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
# URL prefix -> folder under static/. The prefixes are the ones app/core/headers.py gives the pages' CSP.
MOUNTS = {"/console": "console", "/m": "m", "/web": "common"}


def install_web(app: FastAPI) -> None:
    for prefix, folder in MOUNTS.items():
        app.mount(prefix, StaticFiles(directory=str(STATIC_DIR / folder), html=True), name=f"web-{folder}")
