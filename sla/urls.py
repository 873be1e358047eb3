from django.urls import path

from sla.views import manager_report_page

app_name = "sla"
urlpatterns = [path("", manager_report_page, name="report")]
