"""SQLModel tables. Importing this package registers every table on ``SQLModel.metadata``."""

from models.account import ApiToken, UserAccount, WebSession
from models.audit import AuditEvent, AuditHead
from models.case import (
    Case,
    CaseAssignment,
    CaseEvent,
    CaseShare,
    CaseStep,
    ConsentRecord,
    Decision,
    Person,
)
from models.clock import ClockOffset
from models.directory import Authority, StaffMember, StaffRole
from models.job_run import JobRun
from models.outbox import Notification
from models.timer import Timer

__all__ = [
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "Authority",
    "Case",
    "CaseAssignment",
    "CaseEvent",
    "CaseShare",
    "CaseStep",
    "ClockOffset",
    "ConsentRecord",
    "Decision",
    "JobRun",
    "Notification",
    "Person",
    "StaffMember",
    "StaffRole",
    "Timer",
    "UserAccount",
    "WebSession",
]
