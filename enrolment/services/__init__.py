"""Every change to who has a seat, one module per part of the domain:

* ``locks``: the one locking discipline all of them follow (read it first);
* ``changes``: the ways an enrolment row is written, with their audit rows, that the others are made of;
* ``places``: signing up, the waiting list, leaving, being added, moved or placed by a referral;
* ``waiting_list``: a freed seat offered to the next in line, taken, declined or let go;
* ``runs``: a run made, edited, published or cancelled;
* ``semesters``: a coordinator's semester, copied from the last one, its registration opened and closed;
* ``attendance``: who came, and how each participant's run ended;
* ``interests``: "tell me next semester".

The rules they check live beside them: enrolment.seats (how many seats are free) and enrolment.eligibility (who
may join). Refusals are enrolment.refusals.EnrolmentRefusal, carrying a message for whoever asked.
"""
