"""Page URLs of the cross-border platform (mounted at /crossborder/)."""

from django.urls import path

from livepark.crossborder import views

app_name = "crossborder"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]
