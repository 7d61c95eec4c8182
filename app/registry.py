"""The one list of the application's packages and kinds.

Packages are listed in the order they are seeded (regions before the units
placed in them) and their routes are added. Kinds are packages too; the spine
finds them by name once `plugins()` has installed them. A new kind is a new
package and one line in KINDS.
"""

from typing import Any

from app.accounts.plugin import PLUGIN as accounts
from app.affair.plugin import PLUGIN as affair
from app.aid.plugin import PLUGIN as aid
from app.audit.plugin import PLUGIN as audit
from app.calendar.plugin import PLUGIN as calendar
from app.care_policy.plugin import PLUGIN as care_policy
from app.cases import kinds
from app.cases.plugin import PLUGIN as cases
from app.core import messages
from app.core.plugin import PLUGIN as core
from app.core.plugins import Package, Plugins
from app.delivery.plugin import PLUGIN as delivery
from app.eldercare.plugin import PLUGIN as eldercare
from app.feed.plugin import PLUGIN as feed
from app.files.plugin import PLUGIN as files
from app.hotline.plugin import PLUGIN as hotline
from app.housing.plugin import PLUGIN as housing
from app.imports.plugin import PLUGIN as imports
from app.knowledge.plugin import PLUGIN as knowledge
from app.mediation.plugin import PLUGIN as mediation
from app.metrics.plugin import PLUGIN as metrics
from app.notifications.plugin import PLUGIN as notifications
from app.open311.plugin import PLUGIN as open311
from app.people.plugin import PLUGIN as people
from app.regions.plugin import PLUGIN as regions
from app.routing.plugin import PLUGIN as routing
from app.supervision.plugin import PLUGIN as supervision
from app.units.plugin import PLUGIN as units
from app.volunteers.plugin import PLUGIN as volunteers

KINDS: tuple[kinds.KindPlugin[Any], ...] = (hotline, affair, eldercare, aid, mediation, housing)

PACKAGES: tuple[Package, ...] = (
    core, accounts, regions, units, routing, calendar, care_policy, knowledge, cases, supervision, files, people,
    volunteers, delivery, feed, metrics, open311, audit, notifications, *(kind.package for kind in KINDS), imports,
)

# Matched first: the hotline's intake and the case spine's reads and actions are most of a centre's requests.
BUSIEST = ("hotline", "cases")


def plugins() -> Plugins:
    """Every package, with the kinds installed in the spine and every package's error codes in the catalogue."""
    found = Plugins(packages=PACKAGES, routes_first=BUSIEST)
    kinds.install(KINDS)
    messages.install(*found.messages())
    return found


def message_catalogue() -> dict[str, tuple[str, str]]:
    """Every error code of every package with its Chinese and English text (the contract frontends translate)."""
    plugins()
    return dict(messages.catalogue())
