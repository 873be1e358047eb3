from django.urls import path

from cases.api import views

urlpatterns = [
    path("cases", views.CaseListCreateView.as_view(), name="api-cases"),
    path("cases/<str:number>", views.CaseDetailView.as_view(), name="api-case-detail"),
    path("cases/<str:number>/actions/<str:action>", views.CaseActionView.as_view(), name="api-case-action"),
]
