from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("", views.board, name="board"),
    path("cases/<str:number>/", views.board_case, name="case"),
]
