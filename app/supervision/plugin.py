"""The supervision package as the application installs it."""

from app.core.plugins import Package
from app.supervision.service import sweep_marks, sweep_stages

PLUGIN = Package(name="supervision", sweeps=(sweep_marks, sweep_stages))
