"""The roles an account can hold."""

from enum import StrEnum


class Role(StrEnum):
    resident = "resident"
    agent = "agent"  # hotline and counter staff
    unit_staff = "unit_staff"  # bound to a unit
    dispatcher = "dispatcher"  # the centre: reviews, approvals, supervision
    volunteer = "volunteer"
    admin = "admin"
    auditor = "auditor"  # reads the audit trail and nothing else; changes nothing (READ_ONLY_ROLES)


STAFF_ROLES = frozenset({Role.agent, Role.unit_staff, Role.dispatcher, Role.admin})
ROLES_NEEDING_UNIT = frozenset({Role.unit_staff})
# Accounts that may change nothing but their own sign-in (log out, change the password): every other request
# that is not a read (GET, HEAD, OPTIONS) is refused before it reaches a route (app/core/auth.py).
READ_ONLY_ROLES = frozenset({Role.auditor})
