from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfillmentConfig(AppConfig):
    name = "livepark.fulfillment"
    label = "fulfillment"
    verbose_name = _("质检与仓储")
