from django.urls import path

from livepark.fulfillment import views

app_name = "fulfillment"
urlpatterns = [
    path("qc/", views.qc_workbench, name="qc_workbench"),
    path("qc/lots/<int:pk>/", views.qc_workbench, name="qc_lot"),
    path("qc/lots/<int:pk>/certificate/", views.certificate, name="certificate"),
    path("stock/", views.stock, name="stock"),
    path("stock/move/", views.stock_move, name="stock_move"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("shipments/", views.shipments, name="shipments"),
    path("supplier/", views.supplier, name="supplier"),
]
