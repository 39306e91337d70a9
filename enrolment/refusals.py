"""What the enrolment rules say when they say no."""

from django.utils.translation import gettext as _

from base.refusals import Refusal


class EnrolmentRefusal(Refusal):
    """A seat rule said no. A refusal of someone's own sign-up also carries the run it read under its lock
    (``run``), so the page that explains the refusal needs no query of its own."""

    run = None


class RunFull(EnrolmentRefusal):
    def __init__(self):
        super().__init__(_("Kurset er fullt akkurat nå. Du kan sette deg på ventelisten."), code="full")
