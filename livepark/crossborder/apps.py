"""App config of the cross-border service platform."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrossborderConfig(AppConfig):
    name = "livepark.crossborder"
    label = "crossborder"
    verbose_name = _("跨境电商")
