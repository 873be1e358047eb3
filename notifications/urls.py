from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read", views.mark_read, name="mark-read"),
    path("<int:notification_id>/open", views.open_notice, name="open"),
]
