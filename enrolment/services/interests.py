""" "Si fra til meg neste semester": people to tell first when a new run of an offer is published
(runs.publish_run tells them)."""

from django.db import transaction

from audit.acting import Acting
from audit.actions import Action
from audit.services import record_change
from courses.models import Offer
from enrolment.models import Interest


@transaction.atomic(durable=True)
def register_interest(*, offer: Offer, person, acting: Acting) -> Interest:
    interest, created = Interest.objects.get_or_create(offer=offer, person=person, notified_at=None)
    if created:
        record_change(
            acting=acting, action=Action.INTEREST_REGISTERED, subject=person, obj=interest, detail={"offer": offer.pk}
        )
    return interest


@transaction.atomic(durable=True)
def withdraw_interest(*, interest: Interest, acting: Acting) -> None:
    record_change(
        acting=acting,
        action=Action.INTEREST_WITHDRAWN,
        subject=interest.person,
        obj=interest,
        detail={"offer": interest.offer_id},
    )
    interest.delete()
