from django.urls import path

from providers import views

app_name = "providers"

urlpatterns = [
    path("", views.board, name="board"),
    path("cases/<str:number>/", views.board_case, name="case"),
]
