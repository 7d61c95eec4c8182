"""Every table, one module per package (named after it), imported here so Alembic sees the whole schema."""

from app.models.accounts import User
from app.models.affair import CreditFlag, LifeEvent, ServiceItem
from app.models.aid import AidLine
from app.models.calendar import CalendarDay, CalendarYear, DeadlineProfile
from app.models.care_policy import CarePolicy
from app.models.cases import Assignment, Case, CaseCallback, CaseEvent, CaseLink, CaseNumberCounter
from app.models.core import AuditLog, CacheVersion, IdempotencyKey, RateBucket
from app.models.delivery import ApiKey, InboundSignature, OutboxEvent, UnitWebhook
from app.models.eldercare import CareVisit
from app.models.files import FileBlob, FileLink, StoredFile
from app.models.hotline import ClassifierArtefact, ClassifierExample, ClassifierFeedback, ClassifierModel
from app.models.imports import CatalogueVersion
from app.models.knowledge import KnowledgeArticle
from app.models.mediation import DisputeType, MediationHandoff
from app.models.metrics import MetricCaseFacts, MetricRegionDay, MetricUnitDay
from app.models.notifications import Notification, NotificationDelivery, NotificationPrefs
from app.models.people import Person, PersonFlag, PersonLink
from app.models.regions import Boundary, Place, Region
from app.models.routing import Category, RoutingRule
from app.models.units import Unit, UnitKind
from app.models.volunteers import (
    ServiceHours,
    TaskSignup,
    TeamMember,
    TimebankAccount,
    TimebankEntry,
    Volunteer,
    VolunteerSkill,
    VolunteerTask,
    VolunteerTeam,
)

__all__ = [
    "ApiKey", "InboundSignature", "OutboxEvent", "UnitWebhook", "AidLine", "DisputeType", "MediationHandoff",
    "MetricCaseFacts", "MetricRegionDay", "MetricUnitDay",
    "FileBlob", "FileLink", "StoredFile",
    "ClassifierArtefact", "ClassifierExample", "ClassifierModel",
    "Notification", "NotificationDelivery", "NotificationPrefs",
    "Assignment", "AuditLog", "ClassifierFeedback", "KnowledgeArticle", "CalendarDay", "CalendarYear", "Case",
    "CaseCallback", "CaseEvent", "CaseLink", "CaseNumberCounter", "CreditFlag", "LifeEvent", "ServiceItem",
    "Category", "DeadlineProfile", "CarePolicy", "CareVisit", "VolunteerSkill", "Person", "PersonFlag", "PersonLink",
    "ServiceHours", "TaskSignup", "TeamMember", "TimebankAccount", "TimebankEntry", "Volunteer", "VolunteerTask",
    "VolunteerTeam", "IdempotencyKey", "RateBucket", "CacheVersion",
    "Region", "Place", "Boundary", "CatalogueVersion", "RoutingRule", "Unit",
    "UnitKind", "User",
]
