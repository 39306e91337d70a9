from django.urls import path

from catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("tilbud/", views.offer_list, name="list"),
    path("tilbud/<slug:slug>/", views.offer_detail, name="detail"),
    path("tilbud/<slug:slug>/kalender/<int:run_id>.ics", views.run_calendar, name="run_calendar"),
    path("tilbydere/<slug:slug>/", views.provider_detail, name="provider"),
]
