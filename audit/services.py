"""Writing to the audit trail. Domain services call these inside their own transaction."""

from dataclasses import dataclass

from audit.context import current_request_id
from audit.models import AccessEvent, AuditEvent


@dataclass(frozen=True)
class Acting:
    """Who does something, and in which role for which organisation."""

    user: object | None
    role: str = ""
    organisation: str = ""

    @classmethod
    def system(cls):
        return cls(user=None, role="system")


def record_change(*, acting: Acting, action: str, subject=None, obj=None, detail: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=acting.user,
        acting_role=acting.role,
        acting_organisation=acting.organisation,
        action=action,
        subject=subject,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail or {},
        request_id=current_request_id(),
    )


def record_access(*, acting: Acting, action: str, subject=None, obj=None, reason: str = "") -> AccessEvent:
    return AccessEvent.objects.create(
        actor=acting.user,
        acting_role=acting.role,
        acting_organisation=acting.organisation,
        action=action,
        subject=subject,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        reason=reason,
        request_id=current_request_id(),
    )
