"""The demo park's goods: categories, products and SKUs of its factories and brands, batches inspected at the QC
centre (some failed), cloud-warehouse stock, orders from the live rooms, shipments and returns.

Deterministic for a seed and idempotent like `registry.demo`: natural keys (barcodes, batch numbers, platform
order numbers, waybills) and bulk inserts that skip what exists. Stock balances are written as the sums of the
ledger rows the demo inserts, so the ledger and the balances agree as they do for service-made moves.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from stdnum import ean

from livepark.catalog.models import SKU, Category, Product, ProductBatch
from livepark.core import audit, counting, crypto
from livepark.core.models import User
from livepark.core.roles import Role
from livepark.core.services import user_create
from livepark.engines.sampling import plan
from livepark.fulfillment import services
from livepark.fulfillment.models import (
    Allocation,
    Carrier,
    InspectionLot,
    Location,
    LocationKind,
    LotStatus,
    MoveKind,
    Order,
    OrderLine,
    OrderStatus,
    Return,
    ReturnReason,
    Shipment,
    StockBalance,
    StockMove,
    StockTransfer,
    Warehouse,
)
from livepark.registry.models import Anchor, Enterprise

ORDERS = {"small": 60, "base": 3000, "town": 3000}
CATEGORIES = [
    # name, qc mode, AQL major, product names, price range (yuan)
    ("服装", "per_lot", "2.5", ["真丝连衣裙", "羊毛针织衫", "牛仔阔腿裤", "冲锋衣", "羽绒服"], (99, 899)),
    ("珠宝玉石", "per_unit", "0.65", ["和田玉手镯", "翡翠吊坠", "南红串珠", "淡水珍珠项链"], (399, 9999)),
    ("食品", "per_lot", "1.0", ["东阳酥饼", "金华火腿", "舟山带鱼", "安吉白茶"], (29, 399)),
    ("美妆个护", "per_lot", "1.0", ["玻尿酸精华", "防晒霜", "氨基酸洁面"], (59, 399)),
    ("小家电", "per_lot", "1.5", ["破壁机", "空气炸锅", "挂烫机"], (199, 1299)),
]
DEMO_SUPPLIER_USER = ("factory", "工厂负责人")


def _barcode(n: int) -> str:
    body = f"690{n:09d}"
    return body + ean.calc_check_digit(body)


def build_goods_demo(scale: str = "base", seed: int = 2026) -> dict[str, int]:
    """Create (or complete) the goods of the demo park; returns row counts."""
    rng = random.Random(f"{seed}:goods")
    suppliers = list(Enterprise.objects.filter(kinds__icontains='"factory"').order_by("pk")[:12]) or list(
        Enterprise.objects.filter(kinds__icontains='"brand"').order_by("pk")[:12]
    )
    shops = list(Enterprise.objects.filter(kinds__icontains='"brand"').order_by("pk")[:10]) or suppliers
    anchors = list(Anchor.objects.filter(status="active").order_by("pk").values_list("pk", flat=True)[:200])
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic(), audit.channel("cli"):
        for code, name in (("HZ01", "杭州萧山云仓"), ("YW01", "义乌国际云仓")):
            Warehouse.objects.get_or_create(code=code, defaults={"name": name, "address": f"{name}一号库"})
        warehouses = list(Warehouse.objects.filter(code__in=["HZ01", "YW01"]).order_by("code"))
        cats = {}
        for cname, mode, aql, *_ in CATEGORIES:
            cats[cname], _ = Category.objects.get_or_create(
                name=cname, parent=None, defaults={"qc_mode": mode, "aql_major": aql}
            )
        n = 0
        skus: list[SKU] = []
        for cname, _mode, _aql, names, (lo, hi) in CATEGORIES:
            for pname in names:
                supplier = suppliers[n % len(suppliers)]
                product, _ = Product.objects.get_or_create(
                    supplier=supplier,
                    name=pname,
                    defaults={"category": cats[cname], "brand": supplier.name[:6]},
                )
                for spec in ("标准款", "礼盒装") if cname != "珠宝玉石" else ("标准款",):
                    price = rng.randrange(lo, hi) * 100
                    sku, _ = SKU.objects.get_or_create(
                        barcode=_barcode(seed * 1000 + n),
                        defaults={
                            "product": product,
                            "spec": spec,
                            "list_price_fen": price,
                            "cost_fen": price * 45 // 100,
                            "weight_g": rng.randrange(100, 3000),
                        },
                    )
                    skus.append(sku)
                    n += 1
        # Batches arrive and are inspected; about one lot in eight fails.
        moves: list[StockMove] = []
        passed: list[tuple[ProductBatch, Warehouse]] = []
        for i, sku in enumerate(skus):
            per_unit = sku.product.category.qc_mode == "per_unit"
            for b in range(2):
                quantity = rng.randrange(20, 60) if per_unit else rng.randrange(300, 1500)
                produced = today - dt.timedelta(days=rng.randrange(20, 90))
                batch, created = ProductBatch.objects.get_or_create(
                    sku=sku,
                    batch_no=f"{produced:%y%m%d}-{i:03d}{b}",
                    defaults={"production_date": produced, "quantity": quantity},
                )
                wh = warehouses[(i + b) % len(warehouses)]
                # Every draw happens whether or not the batch exists, so a second run repeats the first exactly.
                fails = rng.random() < 0.125
                draws = [rng.random() for _ in range(3)]
                unit_failures = rng.randrange(0, 3)
                if not created:
                    if InspectionLot.objects.filter(batch=batch, status=LotStatus.PASSED).exists():
                        passed.append((batch, wh))
                    continue
                moves.append(
                    StockMove(
                        kind=MoveKind.RECEIVE,
                        batch=batch,
                        warehouse=wh,
                        on_hand_delta=batch.quantity,
                        reference="demo 入库",
                    )
                )
                lot_plan = {}
                for draw, (cls, aql) in zip(
                    draws,
                    (("critical", "0.065"), ("major", sku.product.category.aql_major), ("minor", "4.0")),
                    strict=True,
                ):
                    p = plan(batch.quantity, "II", aql, "normal")
                    defects = (p.ac + 1) if (fails and cls == "major") else int(draw * (p.ac + 1))
                    lot_plan[cls] = {
                        "aql": str(p.aql),
                        "code_letter": p.code_letter,
                        "n": batch.quantity if per_unit else p.sample_size,
                        "ac": p.ac,
                        "re": p.re,
                        "defects": defects,
                        "verdict": "reject" if defects > p.ac else "accept",
                    }
                passed_units = None
                status = LotStatus.FAILED if fails else LotStatus.PASSED
                if per_unit:
                    passed_units = batch.quantity - unit_failures
                    status = LotStatus.PASSED
                lot = InspectionLot.objects.create(
                    batch=batch,
                    warehouse=wh,
                    lot_size=batch.quantity,
                    level="II",
                    severity="normal",
                    qc_mode="per_unit" if per_unit else "per_lot",
                    plan=lot_plan,
                    sample_size=batch.quantity if per_unit else max(v["n"] for v in lot_plan.values()),
                    passed_units=passed_units,
                    status=status,
                    decided_at=now - dt.timedelta(days=5 + int(draws[0] * 10)),
                )
                lot.certificate_no = f"QC{timezone.localtime(lot.decided_at):%Y%m%d}{lot.pk:06d}"
                lot.save(update_fields=["certificate_no"])
                if per_unit and passed_units < batch.quantity:
                    moves.append(
                        StockMove(
                            kind=MoveKind.WRITE_OFF,
                            batch=batch,
                            warehouse=wh,
                            on_hand_delta=-(batch.quantity - passed_units),
                            reference="逐件检验不合格",
                        )
                    )
                if status == LotStatus.PASSED:
                    passed.append((batch, wh))
        # Orders from the live rooms: paid over the last four weeks, most shipped, some returned.
        existing = set(
            Order.objects.filter(platform="douyin", order_no__startswith=f"DEMO{seed}").values_list(
                "order_no", flat=True
            )
        )
        remaining: dict[int, int] = defaultdict(int)
        for batch, _wh in passed:
            remaining[batch.pk] = batch.quantity - 5  # keep a little in stock
        orders_rng = random.Random(f"{seed}:orders")
        new_orders, plans = [], []
        for k in range(ORDERS[scale]):
            batch, wh = orders_rng.choice(passed)
            qty = orders_rng.choice([1, 1, 1, 2, 2, 3])
            price = batch.sku.list_price_fen
            paid_at = now - dt.timedelta(minutes=orders_rng.randrange(60, 28 * 24 * 60))
            phone = f"13{orders_rng.randrange(10**8, 10**9)}"
            no = f"DEMO{seed}{k:06d}"
            state = orders_rng.choices(["shipped", "delivered", "paid", "returned"], weights=[30, 55, 8, 7])[
                0
            ]
            discount = orders_rng.choice([0, 0, 500, 1000]) if price * qty > 2000 else 0
            name = orders_rng.choice(["王", "李", "张", "刘", "陈", "杨"]) + orders_rng.choice(
                ["芳", "伟", "娜", "敏", "静", "强"]
            )
            anchor_id = orders_rng.choice(anchors) if anchors else None
            carrier = orders_rng.choice(list(Carrier.values)[:8])
            reason = orders_rng.choice(list(ReturnReason.values))
            # All draws are made above, before any skip, so a second run walks the same sequence.
            if remaining[batch.pk] < qty:
                continue
            remaining[batch.pk] -= qty
            if no in existing:
                continue
            new_orders.append(
                Order(
                    platform="douyin",
                    order_no=no,
                    shop=shops[k % len(shops)],
                    anchor_id=anchor_id,
                    goods_fen=price * qty,
                    discount_fen=discount,
                    paid_fen=price * qty - discount,
                    refunded_fen=(price * qty - discount) if state == "returned" else 0,
                    paid_at=paid_at,
                    status={"paid": OrderStatus.PAID, "shipped": OrderStatus.SHIPPED}.get(
                        state, OrderStatus.DELIVERED
                    ),
                    warehouse=None if state == "paid" else wh,
                    consignee_enc=crypto.encrypt(
                        f'{{"name": "{name}", "phone": "{phone}", "address": "浙江省杭州市"}}'
                    ),
                    consignee_masked=f"{name[:1]}** {crypto.mask_phone(phone)}",
                    buyer_hash=crypto.blind_index(phone),
                )
            )
            plans.append((batch, wh, qty, price, state, carrier, reason))
        Order.objects.bulk_create(new_orders, batch_size=1000)
        lines = [
            OrderLine(
                order=o,
                sku=p[0].sku,
                quantity=p[2],
                price_fen=p[3],
                returned=p[2] if p[4] == "returned" else 0,
            )
            for o, p in zip(new_orders, plans, strict=True)
        ]
        OrderLine.objects.bulk_create(lines, batch_size=1000)
        allocations, shipments, returns = [], [], []
        for o, line, (batch, wh, qty, _price, state, carrier, reason) in zip(
            new_orders, lines, plans, strict=True
        ):
            if state == "paid":
                continue
            allocations.append(
                Allocation(line=line, batch=batch, warehouse=wh, quantity=qty, state="shipped")
            )
            moves.append(
                StockMove(
                    kind=MoveKind.SHIP, batch=batch, warehouse=wh, on_hand_delta=-qty, reference=o.order_no
                )
            )
            shipments.append(
                Shipment(
                    order=o,
                    carrier=carrier,
                    waybill_no=f"{carrier}{o.order_no[4:]}",
                    delivered_at=o.paid_at + dt.timedelta(days=2) if state != "shipped" else None,
                )
            )
            if state == "returned":
                good = qty - (1 if reason in ("quality", "damaged") else 0)
                returns.append(
                    Return(line=line, quantity=qty, good_quantity=good, reason=reason, refund_fen=o.paid_fen)
                )
                moves.append(
                    StockMove(
                        kind=MoveKind.RETURN,
                        batch=batch,
                        warehouse=wh,
                        on_hand_delta=qty,
                        reference=f"RMA {o.order_no}",
                    )
                )
                if good < qty:
                    moves.append(
                        StockMove(
                            kind=MoveKind.WRITE_OFF,
                            batch=batch,
                            warehouse=wh,
                            on_hand_delta=good - qty,
                            reference=f"RMA {o.order_no}",
                        )
                    )
        Allocation.objects.bulk_create(allocations, batch_size=1000)
        Shipment.objects.bulk_create(shipments, batch_size=1000)
        Return.objects.bulk_create(returns, batch_size=1000)
        StockMove.objects.bulk_create(moves, batch_size=1000)
        # Balances = the ledger's sums.
        sums = StockMove.objects.values("batch_id", "warehouse_id").annotate(on=Sum("on_hand_delta"))
        for row in sums:
            StockBalance.objects.update_or_create(
                batch_id=row["batch_id"],
                warehouse_id=row["warehouse_id"],
                defaults={
                    "on_hand": row["on"],
                    "reserved": 0,
                    "picked": 0,
                    "received_at": now - dt.timedelta(days=20),
                },
            )
        _locations_demo(warehouses)
        if not User.objects.filter(username=DEMO_SUPPLIER_USER[0]).exists():
            user_create(
                actor=None,
                username=DEMO_SUPPLIER_USER[0],
                role=Role.ENTERPRISE_OWNER,
                password="livepark-demo",
                enterprise=suppliers[0],
                display_name=DEMO_SUPPLIER_USER[1],
            )
        for group in ("catalog", "fulfillment"):
            counting.bump(group)
    return {
        "locations": Location.objects.count(),
        "transfers": StockTransfer.objects.count(),
        "products": Product.objects.count(),
        "skus": SKU.objects.count(),
        "lots": InspectionLot.objects.count(),
        "orders": Order.objects.count(),
        "shipments": Shipment.objects.count(),
        "returns": Return.objects.count(),
    }


#: code, kind of the demo locations of every warehouse.
DEMO_LOCATIONS = [
    ("R-01", LocationKind.RECEIVING),
    ("A-01-01", LocationKind.STORAGE),
    ("A-01-02", LocationKind.STORAGE),
    ("A-02-01", LocationKind.STORAGE),
    ("Q-01", LocationKind.QUARANTINE),
]
DEMO_TRANSFER = "DEMO-TRF-1"


def _locations_demo(warehouses: list[Warehouse]) -> None:
    """Locations in every demo warehouse, the stock put away onto them, and one transfer — through the services,
    so the ledger and the balances keep agreeing. Idempotent: a warehouse already put away is left alone."""
    admin = User.objects.filter(is_active=True, role=Role.PARK_ADMIN).order_by("pk").first()
    if admin is None:
        return
    for wh in warehouses:
        for code, kind in DEMO_LOCATIONS:
            if not Location.objects.filter(warehouse=wh, code=code).exists():
                services.location_create(
                    actor=admin, data={"warehouse_id": wh.pk, "code": code, "kind": kind}
                )
        if StockMove.objects.filter(warehouse=wh, kind=MoveKind.PUT_AWAY).exists():
            continue
        shelves = list(Location.objects.filter(warehouse=wh, kind=LocationKind.STORAGE).order_by("code"))
        # Most of each batch onto a storage location (round robin), a tenth left on the dock (not yet put away).
        for i, bal in enumerate(
            StockBalance.objects.filter(warehouse=wh, on_hand__gt=0).order_by("batch_id")
        ):
            quantity = (bal.on_hand - bal.picked) * 9 // 10
            if quantity > 0:
                services.stock_put_away(
                    actor=admin,
                    batch_id=bal.batch_id,
                    location_id=shelves[i % len(shelves)].pk,
                    quantity=quantity,
                    reference="demo",
                )
    if StockTransfer.objects.filter(reference=DEMO_TRANSFER).exists() or len(warehouses) < 2:
        return
    source, target = warehouses[0], warehouses[1]
    passed = InspectionLot.objects.filter(warehouse=source, status=LotStatus.PASSED, qc_mode="per_lot")
    bal = (
        StockBalance.objects.filter(warehouse=source, batch_id__in=passed.values("batch_id"), on_hand__gte=50)
        .exclude(batch_id__in=InspectionLot.objects.filter(warehouse=target).values("batch_id"))
        .order_by("batch_id")
        .first()
    )
    if bal is not None:
        services.stock_transfer(
            actor=admin,
            batch_id=bal.batch_id,
            from_warehouse_id=source.pk,
            to_warehouse_id=target.pk,
            quantity=20,
            to_location_id=Location.objects.get(warehouse=target, code="R-01").pk,
            reference=DEMO_TRANSFER,
        )
