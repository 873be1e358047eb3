from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cases import views as case_views

admin.site.site_header = _("太保蓝本 绿通服务工作台")
admin.site.site_title = _("太保蓝本绿通服务工作台")
admin.site.index_title = _("工作台")
# The portal has no public site: the admin is its home page.
admin.site.site_url = None
# One header for every page (templates/admin/base_site.html); the app sidebar would push the case list
# past 1280 px.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("entitlements.api.urls")),
    path("api/v1/", include("cases.api.urls")),
    path("cases/", include("cases.urls")),
    path("search/", case_views.desk_search_page, name="desk_search"),
    path("api/v1/provider/", include("dispatch.api.urls")),
    path("board/", include("dispatch.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("notifications/", include("notifications.urls")),
    path("reports/", include("sla.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("ops.urls")),
]

handler404 = "config.errors.not_found"
