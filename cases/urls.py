from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("<str:number>/", views.case_page, name="case"),
    path("<str:number>/print/", views.case_print, name="print"),
    path("<str:number>/documents/<int:document_id>/", views.document_view, name="document"),
]
