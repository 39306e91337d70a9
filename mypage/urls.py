from django.urls import path

from mypage import views

app_name = "mypage"

urlpatterns = [
    path("min-side/", views.my_page, name="my_page"),
    path("min-side/mine-data/", views.my_data, name="my_data"),
    path("min-side/mine-data.json", views.my_data_json, name="my_data_json"),
    path("min-side/slett-konto/", views.delete_account, name="delete_account"),
]
