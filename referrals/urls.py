from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("henvis/<slug:slug>/", views.refer, name="refer"),
    path("henvisninger/", views.mine, name="list"),
    path("henvisninger/<uuid:public_id>/", views.detail, name="detail"),
    path("kurs/henvisninger/", views.inbox, name="inbox"),
    path("kurs/henvisninger/<uuid:public_id>/", views.inbox_detail, name="inbox_detail"),
    path("kurs/henvisninger/<uuid:public_id>/ta-inn/", views.accept, name="accept"),
    path("kurs/henvisninger/<uuid:public_id>/si-nei/", views.decline, name="decline"),
    path("kurs/henvisninger/<uuid:public_id>/kontakt/", views.ask_for_contact, name="contact"),
    path("min-side/henvisninger/<uuid:public_id>/", views.about_me, name="about_me"),
    path("min-side/henvisninger/<uuid:public_id>/<str:action>/", views.about_me_answer, name="about_me_answer"),
    path("forvaltning/henvisninger/", views.break_glass_list, name="break_glass_list"),
    path("forvaltning/henvisninger/<uuid:public_id>/innsyn/", views.break_glass, name="break_glass"),
]
