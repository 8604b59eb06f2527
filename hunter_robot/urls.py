from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from hunter_robot import health
from recruit.admin.dashboard import dashboard_index

urlpatterns = [
    # The console's home is the funnel dashboard: the admin's index with its context, in front of the
    # site's own index at the same address (so `admin:index` still names it).
    path("admin/", admin.site.admin_view(dashboard_index)),
    path("admin/", admin.site.urls),
    path("recruit/", include("recruit.urls")),
    path("wechat/", include("wechat.urls")),
    # The published contract (hunter_robot/api/schema.py) and its docs, served offline (sidecar files).
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"), name="redoc"),
    # Operators: liveness, readiness, Prometheus (hunter_robot/health.py).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics_view, name="metrics"),
]
