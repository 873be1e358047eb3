from django.urls import path

from ops import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.ReadinessView.as_view(), name="readyz"),
    path("metrics", views.metrics, name="metrics"),
]
