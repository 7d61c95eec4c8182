"""The files package as the application installs it."""

from app.core.plugins import Package
from app.files.messages import MESSAGES, TITLES
from app.files.router import router
from app.files.service import sweep

PLUGIN = Package(
    name="files", routers=(router,), messages=MESSAGES, titles=TITLES, sweeps=(sweep,),
    tags=({"name": "files", "description": "Uploads (streamed, type-checked, images without their EXIF data), "
                                           "signed download links, the files attached to a case."},),
)
