from django.urls import path

from administration import views

app_name = "administration"

urlpatterns = [
    path("forvaltning/ansatte/", views.staff_list, name="staff_list"),
    path("forvaltning/roller/<int:pk>/avslutt/", views.end_membership, name="end_membership"),
    path("forvaltning/invitasjoner/<int:pk>/trekk-tilbake/", views.revoke_invitation, name="revoke_invitation"),
    path("forvaltning/brukere/<int:pk>/sperr/", views.suspend_user, name="suspend_user"),
    path("forvaltning/brukere/<int:pk>/apne/", views.reactivate_user, name="reactivate_user"),
    path("forvaltning/logg/", views.audit_log, name="audit_log"),
]
