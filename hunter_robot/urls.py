from django.contrib import admin
from django.urls import include, path

from recruit.admin.dashboard import dashboard_index

urlpatterns = [
    # The console's home is the funnel dashboard: the admin's index with its context, in front of the
    # site's own index at the same address (so `admin:index` still names it).
    path("admin/", admin.site.admin_view(dashboard_index)),
    path("admin/", admin.site.urls),
    path("recruit/", include("recruit.urls")),
    path("wechat/", include("wechat.urls")),
]
