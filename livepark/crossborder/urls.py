"""Page URLs of the cross-border platform (mounted at /crossborder/)."""

from django.urls import path

from livepark.crossborder import views

app_name = "crossborder"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]

from livepark.crossborder import views_tax  # noqa: E402  tax step, rates, returns, tax batch

urlpatterns += [
    path("tax/", views_tax.batch, name="tax_batch"),
    path("tax/export/", views_tax.batch_export, name="tax_batch_export"),
    path("tax/bills/", views_tax.bills_upload, name="tax_bills_upload"),
    path("tax/rates/", views_tax.rates, name="tax_rates"),
    path("tax/<int:pk>/<str:action>/", views_tax.act, name="tax_act"),
]

from livepark.crossborder import views_sources  # noqa: E402  positive list, bonded accounts, sources

urlpatterns += [
    path("positive-list/", views_sources.positive_list_page, name="positive_list"),
    path("bonded/", views_sources.account_list, name="bonded_accounts"),
    path("bonded/<int:pk>/", views_sources.account_detail, name="bonded_account"),
    path("bonded/<int:pk>/<str:action>/", views_sources.account_act, name="bonded_act"),
    path("sources/", views_sources.sources_page, name="sources"),
    path("sources/<str:action>/", views_sources.sources_act, name="sources_act"),
    path("receipts/poll/", views_sources.receipts_poll, name="receipts_poll"),
]

from livepark.crossborder import views_export  # noqa: E402 (B2B export 9710/9810, statistics per trade mode)

urlpatterns += [
    path("exports/", views_export.export_list, name="export_list"),
    path("exports/new/", views_export.export_new, name="export_new"),
    path("exports/<int:pk>/", views_export.export_detail, name="export_detail"),
    path("exports/<int:pk>/<str:action>/", views_export.export_act, name="export_act"),
    path("warehouses/", views_export.warehouses, name="warehouses"),
    path("stats/", views_export.stats_page, name="stats"),
    path("stats/xlsx/", views_export.stats_xlsx, name="stats_xlsx"),
]
