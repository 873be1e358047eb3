from django.urls import path

from entitlements.api import views

urlpatterns = [
    path("catalog", views.catalog_view, name="api-catalog"),
]
