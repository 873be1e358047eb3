from django.urls import path

from entitlements.api import views
from entitlements.api.entitlements import entitlements_view

urlpatterns = [
    path("catalog", views.catalog_view, name="api-catalog"),
    path("entitlements", entitlements_view, name="api-entitlements"),
]
