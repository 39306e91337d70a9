from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("min-side/profil/", views.profile_edit, name="profile"),
    path("invitasjon/<str:token>/", views.invitation, name="invitation"),
]
