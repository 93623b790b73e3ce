"""SQLAlchemy models; importing this package registers every table on `Base.metadata`."""

from control_plane.models.adapter import Adapter, Version
from control_plane.models.audit_event import AuditEvent
from control_plane.models.base import Base
from control_plane.models.base_model import BaseModel
from control_plane.models.rollout import Rollout
from control_plane.models.route import RevisionArm, Route, RouteRevision
from control_plane.models.tenant import ApiKey, Tenant
from control_plane.models.worker import Worker, WorkerVersion

__all__ = [
    "Adapter",
    "ApiKey",
    "AuditEvent",
    "Base",
    "BaseModel",
    "RevisionArm",
    "Rollout",
    "Route",
    "RouteRevision",
    "Tenant",
    "Version",
    "Worker",
    "WorkerVersion",
]
