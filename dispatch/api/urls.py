from django.urls import path

from dispatch.api import views

app_name = "provider-api"

urlpatterns = [
    path("cases", views.ProviderCaseList.as_view(), name="cases"),
    path("cases/<str:number>", views.ProviderCaseDetail.as_view(), name="case"),
    path("cases/<str:number>/accept", views.ProviderCaseAccept.as_view(), name="accept"),
    path("cases/<str:number>/decline", views.ProviderCaseDecline.as_view(), name="decline"),
    path("cases/<str:number>/arrangement", views.ProviderCaseArrangement.as_view(), name="arrangement"),
    path("cases/<str:number>/complete", views.ProviderCaseComplete.as_view(), name="complete"),
    path("cases/<str:number>/documents/<int:document_id>", views.ProviderCaseDocument.as_view(), name="document"),
]
