"""The positive list loaded from a file, and 1210 bonded account books with their stock ledger.

`PositiveListVersion` is one load of the 跨境电子商务零售进口商品清单 with the day it takes effect; the list in
force on a day is the version with the latest `effective_from` not after that day. `BondedAccount` is a 1210
account book (`emsNo`) of a seller in a bonded area; each `BondedItem` (`itemRecordNo`, tied to a goods
registration) holds a balance that a database CHECK keeps from going negative, beside an append-only ledger of
`BondedMove` rows (entry into the zone, release out of it per declaration, returns back in).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from livepark.core.models import Timestamped
from livepark.core.roles import Role
from livepark.core.scoping import NOTHING, ScopedManager
from livepark.crossborder.models import (
    CustomsParty,
    DeclarationSet,
    GoodsRegistration,
    PositiveNote,
    _enterprise_member,
    broker_parties,
)

__all__ = [
    "BondedAccount",
    "BondedItem",
    "BondedMove",
    "BondedMoveKind",
    "PositiveListEntry",
    "PositiveListVersion",
]


class PositiveListVersion(Timestamped):
    """One load of the retail-import positive list, in force from `effective_from`."""

    scope_kind = "positive_list"

    effective_from = models.DateField(_("生效日期"), unique=True)
    source_name = models.CharField(_("来源文件"), max_length=200, blank=True)
    entry_count = models.PositiveIntegerField(_("税号数"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("正面清单版本")
        verbose_name_plural = _("正面清单版本")
        ordering = ["-effective_from", "-id"]

    def __str__(self) -> str:
        return f"{self.effective_from} ({self.entry_count})"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """The list is public: whoever may view it sees every version; only the park admin loads."""
        return Q() if action == "view" else NOTHING


class PositiveListEntry(models.Model):
    """One tariff line of a positive-list version, with the note restricting it to 1210 or 9610."""

    version = models.ForeignKey(
        PositiveListVersion, verbose_name=_("版本"), on_delete=models.CASCADE, related_name="entries"
    )
    gcode = models.CharField(_("税则号列"), max_length=10)
    name = models.CharField(_("商品名称"), max_length=250)
    note = models.CharField(_("监管要求"), max_length=4, choices=PositiveNote.choices, blank=True, default="")
    remark = models.CharField(_("备注"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("正面清单税号")
        verbose_name_plural = _("正面清单税号")
        ordering = ["version_id", "gcode"]
        constraints = [
            models.UniqueConstraint(fields=["version", "gcode"], name="positive_entry_once_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.gcode} {self.name}"


def _plain(value, sign: bool = False) -> str:
    text = format(value.normalize(), "f") if value else "0"
    return f"+{text}" if sign and value > 0 else text


def _account_scope(user, prefix: str = "") -> Q:
    """Members reach their enterprise's seller's accounts; a broker those whose agent it acts for."""
    if _enterprise_member(user):
        return Q(**{f"{prefix}seller__enterprise_id": user.enterprise_id})
    if user.role == Role.CUSTOMS_BROKER:
        return Q(**{f"{prefix}agent_id__in": broker_parties(user)})
    return NOTHING


class BondedAccount(Timestamped):
    """A 1210 account book (电子账册, `emsNo`) of a seller's goods in a bonded area warehouse."""

    scope_kind = "bonded_account"

    ems_no = models.CharField(_("账册编号"), max_length=30, unique=True)
    seller = models.ForeignKey(
        CustomsParty, verbose_name=_("电商企业"), on_delete=models.PROTECT, related_name="bonded_accounts"
    )
    agent = models.ForeignKey(
        CustomsParty,
        verbose_name=_("申报企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agent_bonded_accounts",
    )
    area_code = models.CharField(_("区内仓储企业编码"), max_length=18)
    area_name = models.CharField(_("区内仓储企业名称"), max_length=100)
    warehouse = models.CharField(_("仓库"), max_length=100)
    customs_code = models.CharField(_("主管海关"), max_length=4, blank=True)

    class Meta:
        verbose_name = _("保税账册")
        verbose_name_plural = _("保税账册")
        ordering = ["ems_no"]

    def __str__(self) -> str:
        return f"{self.ems_no} {self.area_name}"

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """See `_account_scope`."""
        return _account_scope(user)


class BondedItem(models.Model):
    """An item record (`itemRecordNo`) of an account book, tied to a goods registration, with its balance."""

    scope_kind = "bonded_account"

    account = models.ForeignKey(
        BondedAccount, verbose_name=_("保税账册"), on_delete=models.PROTECT, related_name="items"
    )
    item_record_no = models.CharField(_("账册备案料号"), max_length=30)
    goods = models.ForeignKey(
        GoodsRegistration, verbose_name=_("商品备案"), on_delete=models.PROTECT, related_name="bonded_items"
    )
    unit = models.CharField(_("计量单位"), max_length=3, default="007")
    balance = models.DecimalField(_("结存数量"), max_digits=19, decimal_places=5, default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("账册料号")
        verbose_name_plural = _("账册料号")
        ordering = ["account_id", "item_record_no"]
        constraints = [
            models.UniqueConstraint(fields=["account", "item_record_no"], name="bonded_item_once"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="bonded_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.account.ems_no}/{self.item_record_no}"

    @property
    def shown_balance(self) -> str:
        """The balance without trailing zeros (10, 3.5)."""
        return _plain(self.balance)

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """As its account."""
        return _account_scope(user, "account__")


class BondedMoveKind(models.TextChoices):
    ENTRY = "entry", _("入区")
    RELEASE = "release", _("放行出区")
    RETURN = "return", _("退货入区")


class BondedMove(models.Model):
    """One line of an account book's ledger: how one item's balance moved, and why (append-only)."""

    scope_kind = "bonded_account"

    item = models.ForeignKey(
        BondedItem, verbose_name=_("账册料号"), on_delete=models.PROTECT, related_name="moves"
    )
    kind = models.CharField(_("类型"), max_length=8, choices=BondedMoveKind.choices)
    quantity = models.DecimalField(_("变动数量"), max_digits=19, decimal_places=5)
    balance_after = models.DecimalField(_("变动后结存"), max_digits=19, decimal_places=5)
    reference = models.CharField(
        _("单证编号"), max_length=60, help_text=_("报关单/核注清单号、清单号或退货单号")
    )
    declaration = models.ForeignKey(
        DeclarationSet,
        verbose_name=_("申报单证组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bonded_moves",
    )
    gnum = models.PositiveIntegerField(_("清单商品序号"), default=0, help_text=_("0：非清单行"))
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("账册流水")
        verbose_name_plural = _("账册流水")
        ordering = ["at", "id"]
        constraints = [
            # A customs entry, a release of one declaration line, a return document: each moves stock once.
            models.UniqueConstraint(fields=["item", "kind", "reference", "gnum"], name="bonded_move_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id} {self.quantity:+}"

    @property
    def shown_quantity(self) -> str:
        """The signed change without trailing zeros."""
        return _plain(self.quantity, sign=True)

    @property
    def shown_balance_after(self) -> str:
        """The balance after the move without trailing zeros."""
        return _plain(self.balance_after)

    @classmethod
    def scope(cls, user, action: str) -> Q | None:
        """As its account."""
        return _account_scope(user, "item__account__")
