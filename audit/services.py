"""Writing to the audit trail. Domain services call these inside their own transaction."""

from audit.acting import Acting
from audit.actions import Action, Read
from audit.context import current_request_id
from audit.models import AccessEvent, AuditEvent


def record_change(*, acting: Acting, action: Action, subject=None, obj=None, detail: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=acting.user,
        acting_role=acting.role,
        acting_organisation=acting.organisation,
        action=Action(action),
        subject=subject,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail or {},
        request_id=current_request_id(),
    )


def record_access(*, acting: Acting, action: Read, subject=None, obj=None, reason: str = "") -> AccessEvent:
    return AccessEvent.objects.create(
        actor=acting.user,
        acting_role=acting.role,
        acting_organisation=acting.organisation,
        action=Read(action),
        subject=subject,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        reason=reason,
        request_id=current_request_id(),
    )
