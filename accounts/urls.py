from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("min-side/", views.my_page, name="my_page"),
    path("min-side/profil/", views.profile_edit, name="profile"),
    path("min-side/mine-data/", views.my_data, name="my_data"),
    path("min-side/mine-data.json", views.my_data_json, name="my_data_json"),
    path("min-side/slett-konto/", views.delete_account, name="delete_account"),
    path("invitasjon/<str:token>/", views.invitation, name="invitation"),
    path("forvaltning/ansatte/", views.staff_list, name="staff_list"),
    path("forvaltning/roller/<int:pk>/avslutt/", views.end_membership, name="end_membership"),
    path("forvaltning/invitasjoner/<int:pk>/trekk-tilbake/", views.revoke_invitation, name="revoke_invitation"),
    path("forvaltning/brukere/<int:pk>/sperr/", views.suspend_user, name="suspend_user"),
    path("forvaltning/brukere/<int:pk>/apne/", views.reactivate_user, name="reactivate_user"),
    path("forvaltning/logg/", views.audit_log, name="audit_log"),
]
