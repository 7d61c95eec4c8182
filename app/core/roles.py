"""The roles an account can hold."""

from enum import StrEnum


class Role(StrEnum):
    resident = "resident"
    agent = "agent"  # hotline and counter staff
    unit_staff = "unit_staff"  # bound to a unit
    dispatcher = "dispatcher"  # the centre: reviews, approvals, supervision
    volunteer = "volunteer"
    admin = "admin"


STAFF_ROLES = frozenset({Role.agent, Role.unit_staff, Role.dispatcher, Role.admin})
ROLES_NEEDING_UNIT = frozenset({Role.unit_staff})
