from django.urls import path

from livepark.catalog import views as catalog_views
from livepark.fulfillment import views

app_name = "fulfillment"
urlpatterns = [
    path("qc/", views.qc_workbench, name="qc_workbench"),
    path("qc/lots/<int:pk>/", views.qc_workbench, name="qc_lot"),
    path("qc/lots/<int:pk>/certificate/", views.certificate, name="certificate"),
    path("stock/", views.stock, name="stock"),
    path("stock/move/", views.stock_move, name="stock_move"),
    path("stock/put-away/", views.stock_put_away, name="stock_put_away"),
    path("stock/transfer/", views.stock_transfer, name="stock_transfer"),
    path("stock/locations/", views.location_create, name="location_create"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("shipments/", views.shipments, name="shipments"),
    path("supplier/", views.supplier, name="supplier"),
    # The catalog's pages live here so that no other URL map changes (livepark/config/urls.py is shared).
    path("products/", catalog_views.product_list, name="product_list"),
    path("products/<int:pk>/", catalog_views.product_detail, name="product_detail"),
]
