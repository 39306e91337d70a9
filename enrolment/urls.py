from django.urls import path

from enrolment.views import citizen, coordinator

app_name = "enrolment"

urlpatterns = [
    path("pamelding/<int:run_id>/", citizen.sign_up, name="sign_up"),
    path("pamelding/<uuid:public_id>/", citizen.confirmation, name="confirmation"),
    path("pamelding/holdt/<uuid:public_id>/", citizen.held, name="held"),
    path("pamelding/holdt/<uuid:public_id>/bekreft/", citizen.hold_confirm, name="hold_confirm"),
    path("pamelding/<uuid:public_id>/avmeld/", citizen.cancel, name="cancel"),
    path("pamelding/<uuid:public_id>/ta-imot/", citizen.accept, name="accept"),
    path("pamelding/<uuid:public_id>/si-nei/", citizen.decline, name="decline"),
    path("pamelding/<uuid:public_id>/paminnelser/", citizen.reminders, name="reminders"),
    path("tilbud/<slug:slug>/si-fra-neste-semester/", citizen.register_interest, name="interest"),
    path("min-side/interesser/<int:pk>/fjern/", citizen.withdraw_interest, name="interest_withdraw"),
    path("kurs/", coordinator.dashboard, name="dashboard"),
    path("kurs/semester/nytt/", coordinator.semester_new, name="semester_new"),
    path("kurs/semester/kopier/", coordinator.semester_copy, name="semester_copy"),
    path("kurs/semester/<slug:slug>/pamelding/", coordinator.semester_registration, name="semester_registration"),
    path("kurs/semester/<slug:slug>/steng/", coordinator.semester_close, name="semester_close"),
    path("kurs/gjennomforing/<int:run_id>/", coordinator.run_edit, name="run_edit"),
    path("kurs/gjennomforing/<int:run_id>/publiser/", coordinator.run_publish, name="run_publish"),
    path("kurs/gjennomforing/<int:run_id>/avlys/", coordinator.run_cancel, name="run_cancel"),
    path("kurs/gjennomforing/<int:run_id>/deltakere/", coordinator.participants, name="participants"),
    path("kurs/gjennomforing/<int:run_id>/deltakere/ny/", coordinator.participant_add, name="participant_add"),
    path("kurs/gjennomforing/<int:run_id>/eksport.<str:fmt>", coordinator.export, name="export"),
    path("kurs/pamelding/<int:enrolment_id>/flytt/", coordinator.participant_move, name="participant_move"),
    path("kurs/pamelding/<int:enrolment_id>/prioritet/", coordinator.participant_priority, name="participant_priority"),
    path("kurs/pamelding/<int:enrolment_id>/meld-av/", coordinator.participant_cancel, name="participant_cancel"),
    path(
        "kurs/pamelding/<int:enrolment_id>/resultat/", coordinator.participant_completion, name="participant_completion"
    ),
    path("kurs/samling/<int:session_id>/oppmote/", coordinator.attendance, name="attendance"),
]
