"""1210 bonded account books (`emsNo`): item records, stock into the zone, out on release, back on a return.

Every movement locks the item rows it touches (in primary-key order, so two writers never deadlock), checks the
balance, updates it with one `UPDATE … SET balance = balance + δ` that the database CHECK (`balance ≥ 0`) has the
last word on, and appends a `BondedMove` to the ledger; each customs entry, declaration line release and return
document moves stock once (a unique constraint). The ledger sums to every balance (`ledger_balance`).

Hooks into the declaration workflow: `stock_discrepancies` (the check reports a 1210 line whose item record is
not in the account book or has too little stock), `release_on_receipt` (a 1210 set released by receipt 800
takes its lines out), and `bonded_return` (a CEB625 return back into the zone puts them back; the returns
workflow calls it).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from livepark.core.errors import Conflict, FieldErrors, Invalid
from livepark.core.scoping import get_scoped, require_right
from livepark.core.servicekit import required_text, save_audited, scoped_for_update
from livepark.crossborder.models import (
    BondedAccount,
    BondedItem,
    BondedMove,
    BondedMoveKind,
    CustomsParty,
    DeclarationSet,
    DeclarationState,
    GoodsRegistration,
    PartyRole,
)
from livepark.engines.customs import parse
from livepark.engines.customs.matching import Discrepancy, Inventory

logger = logging.getLogger(__name__)
GROUP = "crossborder"
RULE = "bonded_stock"
#: States in which a sent 1210 declaration holds its quantities (declared, not yet released or rejected).
HOLDING = (DeclarationState.SENT, DeclarationState.ACCEPTED)
QTY_MAX = Decimal("99999999999999")
ENTRY_NO_RE = r"^[0-9A-Z]{6,30}$"
KIND_LABEL = {
    BondedMoveKind.ENTRY: _("入区"),
    BondedMoveKind.RELEASE: _("放行出区"),
    BondedMoveKind.RETURN: _("退货入区"),
}


# ---- accounts and item records --------------------------------------------------------------------------


def _party(errors: FieldErrors, actor, name: str, pk: Any, role: str, action: str) -> CustomsParty | None:
    party = (
        CustomsParty.objects.restrict(actor, action)
        .filter(pk=pk, role=role, archived_at__isnull=True)
        .first()
        if pk is not None
        else None
    )
    if party is None:
        errors.add(name, f"不是可用的{PartyRole(role).label} / not a {role} party you may use")
    return party


def account_open(*, actor, data: dict[str, Any]) -> BondedAccount:
    """Open a 1210 account book for a seller: `ems_no`, `seller_id`, `area_code`/`area_name` (the bonded-area
    warehouse firm), `warehouse`, optional `agent_id` (its declaring agent) and 4-digit `customs_code`."""
    from livepark.crossborder.services import _customs_code

    require_right(actor, "bonded_account", "create")
    errors = FieldErrors()
    ems_no = required_text(errors, "ems_no", data.get("ems_no"), 30).upper()
    if ems_no and not re.fullmatch(r"[0-9A-Z]{1,30}", ems_no):
        errors.add("ems_no", "账册编号只含数字和大写字母 / digits and capital letters only")
    seller = _party(errors, actor, "seller_id", data.get("seller_id"), PartyRole.SELLER, "change")
    agent = None
    if data.get("agent_id") is not None:
        agent = CustomsParty.objects.filter(
            pk=data["agent_id"], role=PartyRole.AGENT, archived_at__isnull=True
        ).first()
        if agent is None:
            errors.add("agent_id", "不是已登记的申报企业 / not a registered agent party")
    area_code = _customs_code(errors, "area_code", data.get("area_code"))
    area_name = required_text(errors, "area_name", data.get("area_name"), 100)
    warehouse = required_text(errors, "warehouse", data.get("warehouse"), 100)
    customs_code = (data.get("customs_code") or "").strip()
    if customs_code and not re.fullmatch(r"\d{4}", customs_code):
        errors.add("customs_code", "关区代码应为 4 位数字 / must be 4 digits")
    if ems_no and BondedAccount.objects.filter(ems_no=ems_no).exists():
        errors.add("ems_no", "该账册已登记 / this account book is already on record")
    errors.raise_if_any()
    account = BondedAccount(
        ems_no=ems_no,
        seller=seller,
        agent=agent,
        area_code=area_code,
        area_name=area_name,
        warehouse=warehouse,
        customs_code=customs_code,
    )
    with transaction.atomic():
        save_audited(actor=actor, obj=account, before=None, group=GROUP)
    return account


def item_add(*, actor, account_id: int, data: dict[str, Any]) -> BondedItem:
    """Record an item (`item_record_no`) in an account book, tied to one of the seller's goods registrations
    (`goods_id`), with its 3-digit customs `unit` (default 007 个)."""
    require_right(actor, "bonded_account", "create")
    account = get_scoped(BondedAccount, actor, account_id, "change")
    errors = FieldErrors()
    record_no = required_text(errors, "item_record_no", data.get("item_record_no"), 30)
    goods = GoodsRegistration.objects.filter(
        pk=data.get("goods_id"), seller=account.seller, archived_at__isnull=True
    ).first()
    if goods is None:
        errors.add(
            "goods_id", "不是该账册电商企业的商品备案 / not a goods registration of the account's seller"
        )
    unit = (data.get("unit") or "007").strip()
    if not re.fullmatch(r"\d{3}", unit):
        errors.add("unit", "计量单位应为 3 位数字代码 / must be a 3-digit unit code")
    if record_no and account.items.filter(item_record_no=record_no).exists():
        errors.add("item_record_no", "该料号已在账册中 / already in this account book")
    errors.raise_if_any()
    item = BondedItem(account=account, item_record_no=record_no, goods=goods, unit=unit)
    with transaction.atomic():
        save_audited(actor=actor, obj=item, before=None, group=GROUP)
    return item


# ---- movements ------------------------------------------------------------------------------------------


def _quantity(errors: FieldErrors, name: str, value: Any) -> Decimal:
    try:
        qty = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(name, "应为数字 / must be a number")
        return Decimal(0)
    if not qty.is_finite() or qty <= 0 or qty > QTY_MAX:
        errors.add(name, "应为正数 / must be a positive number")
        return Decimal(0)
    if qty.as_tuple().exponent < -5:  # type: ignore[operator]
        errors.add(name, "最多 5 位小数 / at most 5 decimal places")
    return qty


def _locked(items: list[BondedItem]) -> dict[int, BondedItem]:
    """Lock the item rows (primary-key order, so concurrent writers queue instead of deadlocking)."""
    ids = sorted({i.pk for i in items})
    return {i.pk: i for i in BondedItem.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _move(
    *,
    actor,
    item: BondedItem,
    kind: str,
    delta: Decimal,
    reference: str,
    declaration: DeclarationSet | None = None,
    gnum: int = 0,
) -> BondedMove:
    """Apply `delta` to a locked item and append the ledger line (the CHECK refuses a negative balance)."""
    try:
        with transaction.atomic():
            BondedItem.objects.filter(pk=item.pk).update(balance=F("balance") + delta)
    except IntegrityError:
        raise Conflict(
            f"料号 {item.item_record_no} 保税库存不足 / not enough bonded stock of {item.item_record_no}",
            fields={"quantity": ["保税库存不足 / not enough bonded stock"]},
            code="insufficient_bonded_stock",
        ) from None
    item.refresh_from_db(fields=["balance"])
    return BondedMove.objects.create(
        item=item,
        kind=kind,
        quantity=delta.quantize(Decimal("0.00001")),  # as the column holds it
        balance_after=item.balance,
        reference=reference[:60],
        declaration=declaration,
        gnum=gnum,
        actor=actor if getattr(actor, "pk", None) else None,
    )


def stock_entry(*, actor, account_id: int, entry_no: str, lines: list[dict[str, Any]]) -> list[BondedMove]:
    """Goods entered the bonded zone under customs entry `entry_no` (报关单号 / 核注清单号): add each line's
    `qty` to its `item_record_no`. All lines or none; the same entry number moves an item only once."""
    require_right(actor, "bonded_account", "change")
    errors = FieldErrors()
    entry = (entry_no or "").strip().upper()
    if not re.fullmatch(ENTRY_NO_RE, entry):
        errors.add("entry_no", "报关单号应为 6–30 位数字或大写字母 / must be 6–30 digits or capital letters")
    if not isinstance(lines, list) or not lines:
        errors.add("lines", "至少一行 / at least one line")
        lines = []
    with transaction.atomic():
        account = scoped_for_update(BondedAccount, actor, account_id, "change")
        items = {i.item_record_no: i for i in account.items.all()}
        wanted: list[tuple[BondedItem, Decimal]] = []
        seen: set[str] = set()
        for k, line in enumerate(lines):
            record_no = str((line or {}).get("item_record_no") or "").strip()
            item = items.get(record_no)
            if item is None:
                errors.add(
                    f"lines[{k}].item_record_no", f"{record_no!r} 不在账册中 / not in this account book"
                )
            elif record_no in seen:
                errors.add(f"lines[{k}].item_record_no", "同一料号重复 / repeated in this entry")
            seen.add(record_no)
            qty = _quantity(errors, f"lines[{k}].qty", (line or {}).get("qty"))
            if item is not None:
                wanted.append((item, qty))
        if (
            entry
            and BondedMove.objects.filter(
                item__account=account, kind=BondedMoveKind.ENTRY, reference=entry
            ).exists()
        ):
            errors.add("entry_no", "该报关单已入账 / this entry is already on the ledger")
        errors.raise_if_any()
        locked = _locked([i for i, _ in wanted])
        moves = [
            _move(actor=actor, item=locked[item.pk], kind=BondedMoveKind.ENTRY, delta=qty, reference=entry)
            for item, qty in wanted
        ]
        from livepark.core import audit, counting
        from livepark.core.models import AuditLog

        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=account,
            changes={
                "entry": [None, {"entry_no": entry, "lines": {i.item_record_no: str(q) for i, q in wanted}}]
            },
        )
        counting.bump(GROUP)
    return moves


def _inventory(obj: DeclarationSet) -> Inventory | None:
    xml = obj.document_xml("CEB621")
    return Inventory.from_node(parse(xml).Inventory[0]) if xml is not None else None


def _account_of(inventory: Inventory | None) -> BondedAccount | None:
    """The account book a 1210 inventory declares against, if it is on record here."""
    if inventory is None or inventory.tradeMode != "1210" or not inventory.emsNo:
        return None
    return BondedAccount.objects.filter(ems_no=inventory.emsNo, archived_at__isnull=True).first()


def _release_reference(obj: DeclarationSet) -> str:
    return obj.sent_guid or f"DS{obj.pk}"


def _release(actor, obj: DeclarationSet) -> list[BondedMove]:
    """Take a released 1210 declaration's lines out of its account book (once; all lines or none)."""
    inventory = _inventory(obj)
    account = _account_of(inventory)
    if account is None:
        return []
    reference = _release_reference(obj)
    done = list(BondedMove.objects.filter(declaration=obj, kind=BondedMoveKind.RELEASE))
    if done:
        return done
    items = {i.item_record_no: i for i in account.items.all()}
    missing = [line.itemRecordNo for line in inventory.lines if line.itemRecordNo not in items]
    if missing:
        raise Conflict(
            f"料号不在账册 {account.ems_no} 中 / item records not in the account book: {', '.join(map(str, missing))}",
            code="unknown_item_record",
        )
    locked = _locked(list(items.values()))
    need: dict[str, Decimal] = defaultdict(Decimal)
    for line in inventory.lines:
        need[line.itemRecordNo] += line.qty
    short = [r for r, q in need.items() if locked[items[r].pk].balance < q]
    if short:
        raise Conflict(
            f"保税库存不足 / not enough bonded stock: {', '.join(short)}",
            fields={"InventoryList.qty": short},
            code="insufficient_bonded_stock",
        )
    return [
        _move(
            actor=actor,
            item=locked[items[line.itemRecordNo].pk],
            kind=BondedMoveKind.RELEASE,
            delta=-line.qty,
            reference=reference,
            declaration=obj,
            gnum=line.gnum,
        )
        for line in inventory.lines
    ]


def release_on_receipt(*, actor, declaration: DeclarationSet) -> list[BondedMove] | None:
    """The receipt hook: a 1210 set just released (800) takes its goods out of the account book.

    Customs has released the parcel whatever our ledger says, so a shortfall never blocks the receipt: the
    stock-out is rolled back alone, logged, and the set shows on the account page as released without a
    stock-out until `bonded_release` succeeds. Returns the moves, or None when the stock-out failed.
    """
    try:
        with transaction.atomic():
            return _release(actor, declaration)
    except Conflict as exc:
        logger.warning("bonded stock-out of declaration %s failed: %s", declaration.pk, exc.code)
        return None


def bonded_release(*, actor, declaration_id: int) -> list[BondedMove]:
    """Take a released 1210 declaration's goods out of its account book now (a retry of the receipt hook);
    a second call changes nothing."""
    with transaction.atomic():
        obj = scoped_for_update(DeclarationSet, actor, declaration_id, "change")
        if obj.state != DeclarationState.RELEASED:
            raise Conflict(
                f"状态为 {obj.get_state_display()}，放行后才出区 / only a released declaration leaves the zone"
            )
        if _account_of(_inventory(obj)) is None:
            raise Invalid.field(
                "emsNo", "清单不是本平台账册的 1210 清单 / not a 1210 inventory of an account here"
            )
        return _release(actor, obj)


def bonded_return(
    *, actor, declaration_id: int, reference: str, lines: list[dict[str, Any]] | None = None
) -> list[BondedMove]:
    """A return (CEB625) of a released 1210 declaration came back into the bonded zone: restore the stock.

    `reference` is the return document's number (its copNo/preNo); `lines` are ``{"gnum", "qty"}`` of the
    original inventory (default: every line in full). A line may not return more than was released minus what
    earlier returns brought back. Calling again with the same `reference` changes nothing and returns the
    moves made the first time. For the returns workflow (CEB625/626) to call once customs accepts a return.
    """
    with transaction.atomic():
        obj = scoped_for_update(DeclarationSet, actor, declaration_id, "change")
        return _return(actor, obj, reference, lines)


def return_on_receipt(*, actor, declaration: DeclarationSet, reference: str) -> list[BondedMove] | None:
    """The receipt hook: customs concluded the return (CEB626) of a 1210 set whose goods left a bonded account
    here, so the whole order goes back into it. None when the set took nothing out of an account."""
    if not BondedMove.objects.filter(declaration=declaration, kind=BondedMoveKind.RELEASE).exists():
        return None
    return _return(actor, declaration, reference, None)


def _return(
    actor, obj: DeclarationSet, reference: str, lines: list[dict[str, Any]] | None
) -> list[BondedMove]:
    """Restore the returned lines of `obj` (the caller holds the set's row lock)."""
    ref = (reference or "").strip()
    errors = FieldErrors()
    if not ref or len(ref) > 60:
        errors.add("reference", "退货单号必填，最多 60 个字符 / required, at most 60 characters")
        errors.raise_if_any()
    earlier = list(BondedMove.objects.filter(declaration=obj, kind=BondedMoveKind.RETURN, reference=ref))
    if earlier:
        return earlier
    released = {m.gnum: m for m in BondedMove.objects.filter(declaration=obj, kind=BondedMoveKind.RELEASE)}
    if not released:
        raise Conflict(
            "该清单未从保税账册出区 / this declaration took nothing out of a bonded account",
            code="not_released_from_bonded_stock",
        )
    back: dict[int, Decimal] = {
        row["gnum"]: row["q"] or Decimal(0)
        for row in BondedMove.objects.filter(declaration=obj, kind=BondedMoveKind.RETURN)
        .values("gnum")
        .annotate(q=Sum("quantity"))
    }
    wanted = lines if lines is not None else [{"gnum": g, "qty": -m.quantity} for g, m in released.items()]
    plan: list[tuple[BondedMove, Decimal]] = []
    for k, line in enumerate(wanted):
        gnum = (line or {}).get("gnum")
        out = released.get(gnum)
        if out is None:
            errors.add(f"lines[{k}].gnum", f"清单没有放行的第 {gnum} 项 / no released line {gnum}")
            continue
        qty = _quantity(errors, f"lines[{k}].qty", line.get("qty"))
        open_qty = -out.quantity - back.get(gnum, Decimal(0)) - sum(q for m, q in plan if m.gnum == gnum)
        if qty > open_qty:
            errors.add(f"lines[{k}].qty", f"最多可退 {open_qty.normalize()} / at most {open_qty.normalize()}")
        plan.append((out, qty))
    errors.raise_if_any()
    locked = _locked([m.item for m, _ in plan])
    return [
        _move(
            actor=actor,
            item=locked[m.item_id],
            kind=BondedMoveKind.RETURN,
            delta=qty,
            reference=ref,
            declaration=obj,
            gnum=m.gnum,
        )
        for m, qty in plan
    ]


# ---- the check ------------------------------------------------------------------------------------------


def _held(account: BondedAccount, exclude_pk: int | None) -> dict[str, Decimal]:
    """What other declared, not yet released 1210 sets of the account's seller hold, by item record."""
    held: dict[str, Decimal] = defaultdict(Decimal)
    others = DeclarationSet.objects.filter(
        seller_id=account.seller_id, trade_mode="1210", state__in=HOLDING
    ).exclude(pk=exclude_pk)
    for other in others:
        inventory = _inventory(other)
        if inventory is not None and inventory.emsNo == account.ems_no:
            for line in inventory.lines:
                held[line.itemRecordNo] += line.qty
    return held


def stock_discrepancies(obj: DeclarationSet, inventory: Inventory | None) -> list[Discrepancy]:
    """For a 1210 inventory against an account book on record: every line whose item record is not in the
    book, and every item record whose balance, less what other declared sets hold, is short of the lines'
    total quantity (rule ``bonded_stock``). Nothing for 9610 or an account book unknown here (the registration
    check reports an unknown emsNo)."""
    account = _account_of(inventory)
    if account is None:
        return []
    ebp = obj.ebp_code or None
    out: list[Discrepancy] = []
    if account.seller.code != inventory.ebcCode:
        why = f"account book {account.ems_no} belongs to seller {account.seller.code}"
        out.append(
            Discrepancy("CEB621", "emsNo", (inventory.emsNo, None), RULE, obj.order_no, ebp, None, why)
        )
        return out
    items = {i.item_record_no: i for i in account.items.all()}
    need: dict[str, Decimal] = defaultdict(Decimal)
    last_gnum: dict[str, int] = {}
    for line in inventory.lines:
        if line.itemRecordNo not in items:
            why = f"itemRecordNo not in bonded account {account.ems_no}"
            out.append(
                Discrepancy(
                    "CEB621",
                    "InventoryList.itemRecordNo",
                    (line.itemRecordNo, None),
                    RULE,
                    obj.order_no,
                    ebp,
                    line.gnum,
                    why,
                )
            )
            continue
        need[line.itemRecordNo] += line.qty
        last_gnum[line.itemRecordNo] = line.gnum
    held = _held(account, obj.pk) if need else {}
    for record_no, qty in need.items():
        available = items[record_no].balance - held.get(record_no, Decimal(0))
        if qty > available:
            shown = available.normalize() if available else Decimal(0)
            why = f"bonded stock of {record_no} in {account.ems_no}: {shown} available, {qty} declared"
            out.append(
                Discrepancy(
                    "CEB621",
                    "InventoryList.qty",
                    (qty, shown),
                    RULE,
                    obj.order_no,
                    ebp,
                    last_gnum[record_no],
                    why,
                )
            )
    return out


# ---- reads ----------------------------------------------------------------------------------------------


def account_list(user, *, q: str | None = None) -> QuerySet[BondedAccount]:
    """The account books the user may see."""
    require_right(user, "bonded_account", "view")
    qs = BondedAccount.objects.restrict(user, "view").live().select_related("seller", "agent")
    if q:
        qs = qs.filter(ems_no__startswith=q.upper())
    return qs


def account_get(user, pk: int, action: str = "view") -> BondedAccount:
    """One account book in the user's scope (403 without the right, 404 outside scope)."""
    return get_scoped(BondedAccount, user, pk, action)


def account_items(account: BondedAccount) -> QuerySet[BondedItem]:
    """The account's item records with their goods and balances."""
    return account.items.select_related("goods").order_by("item_record_no")


def account_moves(account: BondedAccount, *, item_id: int | None = None) -> QuerySet[BondedMove]:
    """The account's ledger, newest first."""
    qs = BondedMove.objects.filter(item__account=account).select_related("item", "declaration")
    if item_id:
        qs = qs.filter(item_id=item_id)
    return qs.order_by("-at", "-id")


def ledger_balance(item: BondedItem) -> Decimal:
    """An item's balance recomputed from the ledger alone (it must equal the balance column)."""
    return item.moves.aggregate(s=Sum("quantity"))["s"] or Decimal(0)


def released_without_stock_out(account: BondedAccount) -> list[DeclarationSet]:
    """Released 1210 sets of the account's seller declared against it that took nothing out (the receipt hook
    found too little stock): to fix with `bonded_release` once stock is entered."""
    out = []
    candidates = DeclarationSet.objects.filter(
        seller_id=account.seller_id, trade_mode="1210", state=DeclarationState.RELEASED
    ).exclude(pk__in=BondedMove.objects.filter(kind=BondedMoveKind.RELEASE).values("declaration_id"))
    for obj in candidates:
        inventory = _inventory(obj)
        if inventory is not None and inventory.emsNo == account.ems_no:
            out.append(obj)
    return out
