"""Enumerations of the registry."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EnterpriseKind(models.TextChoices):
    BRAND = "brand", _("品牌/商家")
    FACTORY = "factory", _("源头工厂")
    MCN = "mcn", _("MCN 机构")
    SERVICE = "service", _("服务商")
    CARRIER = "carrier", _("物流承运商")
    BANK = "bank", _("银行")
    PLATFORM = "platform", _("电商平台")


class IndustryTrack(models.TextChoices):
    APPAREL = "apparel", _("服装")
    JEWELLERY = "jewellery", _("珠宝玉石")
    APPLIANCES = "appliances", _("家电")
    FOOD = "food", _("食品")
    AGRI_FISHERY = "agri_fishery", _("农渔产品")
    AUTO_PARTS = "auto_parts", _("汽车配件")
    COSMETICS = "cosmetics", _("美妆个护")
    HOME = "home", _("家居日用")
    ELECTRONICS = "electronics", _("数码电子")
    MOTHER_BABY = "mother_baby", _("母婴")
    SERVICES = "services", _("综合服务")
    OTHER = "other", _("其他")


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", _("已申请")
    ADMITTED = "admitted", _("已入驻")
    SUSPENDED = "suspended", _("已暂停")
    LEFT = "left", _("已退出")


class AnchorMode(models.TextChoices):
    ONSITE = "onsite", _("驻场")
    REMOTE = "remote", _("远程")


class AnchorLevel(models.TextChoices):
    S = "S", _("S 级（头部）")
    A = "A", _("A 级（腰部）")
    B = "B", _("B 级（成长）")
    C = "C", _("C 级（新人）")


class AnchorStatus(models.TextChoices):
    ACTIVE = "active", _("活跃")
    PAUSED = "paused", _("暂停")
    LEFT = "left", _("离开")


class Platform(models.TextChoices):
    DOUYIN = "douyin", _("抖音")
    KUAISHOU = "kuaishou", _("快手")
    TAOBAO = "taobao", _("淘宝直播")
    WECHAT_CHANNELS = "wechat_channels", _("微信视频号")
    XIAOHONGSHU = "xiaohongshu", _("小红书")
    JD = "jd", _("京东")
    PINDUODUO = "pinduoduo", _("拼多多")
    TIKTOK = "tiktok", _("TikTok")
    OTHER = "other", _("其他")


class RoomStatus(models.TextChoices):
    AVAILABLE = "available", _("可用")
    MAINTENANCE = "maintenance", _("维护中")
    CLOSED = "closed", _("停用")
