"""Every table, imported here so Alembic sees the whole schema."""

from app.models.accounts import AuditLog, User
from app.models.affairs import CreditFlag, LifeEvent, ServiceItem
from app.models.aid import AidLine, DisputeType, MediationHandoff
from app.models.care import CarePolicy, CareVisit, VolunteerSkill
from app.models.cases import Assignment, Case, CaseCallback, CaseEvent, CaseLink
from app.models.delivery import ApiKey, InboundSignature, OutboxEvent, UnitWebhook
from app.models.hotline import ClassifierFeedback, KnowledgeArticle
from app.models.org import Region, Unit, UnitKind
from app.models.people import Person, PersonFlag, PersonLink
from app.models.platform import CalendarDay, CalendarYear, CaseNumberCounter, DeadlineProfile, IdempotencyKey
from app.models.routing import Category, RoutingRule
from app.models.volunteers import (
    ServiceHours,
    TaskSignup,
    TeamMember,
    TimebankAccount,
    TimebankEntry,
    Volunteer,
    VolunteerTask,
    VolunteerTeam,
)

__all__ = [
    "ApiKey", "InboundSignature", "OutboxEvent", "UnitWebhook",
    "AidLine", "DisputeType", "MediationHandoff",
    "Assignment", "AuditLog", "ClassifierFeedback", "KnowledgeArticle", "CalendarDay", "CalendarYear", "Case",
    "CaseCallback", "CaseEvent", "CaseLink", "CaseNumberCounter", "CreditFlag", "LifeEvent", "ServiceItem",
    "Category", "DeadlineProfile", "CarePolicy", "CareVisit", "VolunteerSkill", "Person", "PersonFlag",
    "PersonLink", "ServiceHours", "TaskSignup", "TeamMember", "TimebankAccount", "TimebankEntry", "Volunteer",
    "VolunteerTask", "VolunteerTeam", "IdempotencyKey", "Region", "RoutingRule", "Unit", "UnitKind", "User",
]
