"""A QC inspector records an inspection at the workbench; the shop then ships an order from the QC-passed stock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from livepark.fulfillment import orders as order_services
from livepark.fulfillment import services as fulfillment
from livepark.fulfillment.models import InspectionLot, Order, StockBalance
from tests.factories import PASSWORD, build_park
from tests.test_qc_stock import build_goods

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_inspection_at_the_workbench_then_ship_an_order(live_server, browser, shot):
    park = build_park()
    goods = build_goods(park)
    batch, wh = goods["batch"], goods["wh"]
    fulfillment.stock_move(
        actor=goods["admin"], kind="receive", batch_id=batch.pk, warehouse_id=wh.pk, quantity=50
    )
    lot = fulfillment.lot_open(actor=goods["inspector"], data={"batch_id": batch.pk, "warehouse_id": wh.pk})
    order, _ = order_services.order_create(
        actor=park.users["owner_b"],
        data={
            "platform": "douyin",
            "order_no": "DY-BROWSER-1",
            "lines": [{"sku_id": goods["sku"].pk, "quantity": 2, "price_fen": 29900}],
            "paid_fen": 59800,
            "paid_at": timezone.now() - dt.timedelta(hours=1),
            "consignee": {"name": "赵敏", "phone": "13700001111", "address": "浙江省义乌市福田街道 1 号"},
        },
    )
    base = live_server.url

    # The inspector: the queue shows the lot; type the defects per class with the keyboard and press Enter.
    qc = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000}).new_page()
    login(qc, base, "qc")
    qc.goto(f"{base}/qc/")
    assert qc.locator("text=B001").count() >= 1
    qc.keyboard.type("0")  # critical has focus
    qc.keyboard.press("Tab")
    qc.keyboard.type("1")
    qc.keyboard.press("Tab")
    qc.keyboard.type("2")
    qc.keyboard.press("Enter")
    qc.wait_for_selector("text=已判定")
    lot.refresh_from_db()
    assert lot.status == "passed" and lot.plan["major"]["defects"] == 1 and lot.plan["minor"]["defects"] == 2
    shot(qc, "qc-workbench")
    qc.goto(f"{base}/qc/lots/{lot.pk}/certificate/")
    assert qc.locator("text=" + lot.certificate_no).count() == 1
    shot(qc, "qc-certificate")

    # The shop: allocate from the passed batch, pick, and ship under an SF waybill.
    shop = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000}).new_page()
    login(shop, base, "owner_b")
    shop.goto(f"{base}/orders/")
    shop.click("text=DY-BROWSER-1")
    assert shop.get_by_test_id("order-status").inner_text() == "已付款"
    shop.click("button:has-text('配货')")
    shop.wait_for_selector("[data-testid=order-status]:has-text('已配货')")
    shop.click("button:has-text('拣货')")
    shop.wait_for_selector("[data-testid=order-status]:has-text('已拣货')")
    shop.select_option("select[name=carrier]", "SF")
    shop.fill("input[name=waybill_no]", "SF9876543210")
    shop.click("button:has-text('发货')")
    shop.wait_for_selector("[data-testid=order-status]:has-text('已发货')")
    assert shop.get_by_test_id("waybill").inner_text() == "SF9876543210"
    shot(shop, "order-shipped")
    order.refresh_from_db()
    bal = StockBalance.objects.get(batch=batch, warehouse=wh)
    assert order.status == "shipped" and (bal.on_hand, bal.reserved, bal.picked) == (48, 0, 0)
    assert InspectionLot.objects.filter(status="passed").count() == 1 and Order.objects.count() == 1
