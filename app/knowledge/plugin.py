"""The knowledge package as the application installs it."""

from app.core.plugins import Package
from app.knowledge.messages import MESSAGES, TITLES
from app.knowledge.router import router
from app.knowledge.seed import seed

PLUGIN = Package(
    name="knowledge", routers=(router,), messages=MESSAGES, titles=TITLES, seed=seed,
    tags=({"name": "knowledge base", "description": "Articles agents answer from (直办), with their basis."},),
)
