"""URL map: pages, the admin, the REST API and language switching."""

from django.contrib import admin
from django.urls import include, path

from livepark.config.api import api

admin.site.site_header = "LivePark 直播电商基地管理后台"
admin.site.site_title = "LivePark"
admin.site.index_title = "后台管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("livepark.core.urls")),
    path("registry/", include("livepark.registry.urls")),
    path("", include("livepark.fulfillment.urls")),
    path("crossborder/", include("livepark.crossborder.urls")),
    path("live/", include("livepark.live.urls")),
]
