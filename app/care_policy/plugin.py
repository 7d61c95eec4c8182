"""The care_policy package as the application installs it."""

from app.care_policy.messages import MESSAGES, TITLES
from app.care_policy.seed import seed
from app.core.plugins import Package

PLUGIN = Package(name="care_policy", messages=MESSAGES, titles=TITLES, seed=seed)
