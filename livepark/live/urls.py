from django.urls import path

from livepark.live import views

app_name = "live"
urlpatterns = [
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/<int:pk>/", views.session_report, name="session_report"),
    path("sessions/<int:pk>/report.xlsx", views.session_xlsx, name="session_xlsx"),
    path("sessions/<int:pk>/screen/", views.session_screen, name="session_screen"),
    path("sessions/<int:pk>/screen/figures/", views.screen_figures, name="screen_figures"),
    path("sessions/<int:pk>/start/", views.session_start, name="session_start"),
    path("sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("overview/anchors/", views.overview, {"group": "anchor"}, name="anchor_overview"),
    path("overview/enterprises/", views.overview, {"group": "enterprise"}, name="enterprise_overview"),
]
