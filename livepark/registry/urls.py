from django.urls import path

from livepark.registry import views

app_name = "registry"
urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/new/", views.enterprise_create, name="enterprise_create"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise_edit"),
    path("enterprises/<int:pk>/archive/", views.enterprise_archive, name="enterprise_archive"),
    path("anchors/", views.anchor_list, name="anchor_list"),
    path("anchors/new/", views.anchor_create, name="anchor_create"),
    path("anchors/<int:pk>/", views.anchor_detail, name="anchor_detail"),
    path("anchors/<int:pk>/edit/", views.anchor_edit, name="anchor_edit"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("rooms/", views.room_list, name="room_list"),
    path("rooms/new/", views.room_create, name="room_create"),
    path("rooms/<int:pk>/", views.room_detail, name="room_detail"),
    path("rooms/<int:pk>/edit/", views.room_edit, name="room_edit"),
    path("calendar/", views.calendar, name="calendar"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
]
