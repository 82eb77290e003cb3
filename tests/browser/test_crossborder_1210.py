"""A customs broker walks one 1210 declaration through the pages: import the XML set, three-document check, tax,
send, and poll the (test) gateway's receipts until customs releases it (放行); the bonded account's stock goes out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from livepark.crossborder import bonded, gateway, services, taxation
from livepark.crossborder.models import BondedItem, BondedMove, DeclarationSet, GoodsRegistration
from livepark.engines.customs.tests.matching_support import COSMETICS, MILK, xml_files
from tests.factories import PASSWORD, build_park

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_broker_declares_a_1210_set_until_released(live_server, browser, shot, settings, tmp_path):
    from tests.test_crossborder import docs_1210

    settings.CROSSBORDER_GATEWAY = "test"
    gateway._gateways.clear()
    customs = gateway.configured_gateway()  # the live server runs in this process: the same TestGateway
    park = build_park()
    admin = park.users["admin"]

    def party(code, role, enterprise=None, brokers=()):
        return services.party_register(
            actor=admin,
            data={
                "code": code,
                "name": f"{role} {code}",
                "role": role,
                "enterprise_id": enterprise.pk if enterprise else None,
                "broker_user_ids": [u.pk for u in brokers],
            },
        )

    from livepark.engines.customs.tests.matching_support import (
        AGENT,
        CARRIER,
        GUARANTOR,
        PAYER,
        PLATFORM,
        SELLER,
    )

    seller = party(SELLER, "seller", park.mcn_a)
    agent = party(AGENT, "agent", brokers=[park.users["broker"]])
    for code, role in (
        (PLATFORM, "platform"),
        (PAYER, "payer"),
        (CARRIER, "carrier"),
        (GUARANTOR, "guarantor"),
    ):
        party(code, role)
    for item, name, gcode in (("SKU-1", "面霜", COSMETICS), ("SKU-2", "奶粉", MILK)):
        services.goods_register(
            actor=admin,
            data={
                "seller_id": seller.pk,
                "item_no": item,
                "gname": name,
                "gcode": gcode,
                "positive_note": "1210",
                "item_record_no": f"REC-{item}",
                "ems_no": "E1234",
            },
        )
    account = bonded.account_open(
        actor=admin,
        data={
            "ems_no": "E1234",
            "seller_id": seller.pk,
            "agent_id": agent.pk,
            "area_code": "3301960099",
            "area_name": "综保区仓储公司",
            "warehouse": "下沙保税仓 A1",
        },
    )
    for item in ("SKU-1", "SKU-2"):
        goods = GoodsRegistration.objects.get(seller=seller, item_no=item)
        bonded.item_add(
            actor=admin, account_id=account.pk, data={"item_record_no": f"REC-{item}", "goods_id": goods.pk}
        )
    bonded.stock_entry(
        actor=admin,
        account_id=account.pk,
        entry_no="290120260000000001",
        lines=[{"item_record_no": "REC-SKU-1", "qty": "10"}, {"item_record_no": "REC-SKU-2", "qty": "5"}],
    )
    taxation.rate_table_load(
        actor=admin,
        data=f"gcode,tariff,vat,consumption\n{COSMETICS},0.05,0.13,0.15\n{MILK},0.15,0.13,0\n".encode(),
        file_name="rates.csv",
        name="测试税率",
        effective_from="2020-01-01",
    )
    docs = docs_1210("ORD-1210-BROWSER")
    files = xml_files([docs])
    # The platform, the payment firm and the carrier file their own documents with customs.
    for code in ("CEB311", "CEB411", "CEB511"):
        customs.file(files[code])
    folder = tmp_path / "upload"
    folder.mkdir()
    paths = []
    for code, xml in files.items():
        path = folder / f"{code}.xml"
        path.write_bytes(xml)
        paths.append(str(path))

    base = live_server.url
    page = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 1000}).new_page()
    login(page, base, "broker")
    page.goto(f"{base}/crossborder/")
    page.click("text=导入申报单证")
    page.set_input_files("#xml-upload input[name=files]", paths)
    shot(page, "crossborder-1210-import")
    page.click("#xml-upload button[type=submit]")
    page.wait_for_selector("h1:has-text('ORD-1210-BROWSER')")
    assert "已接收" in page.inner_text("h1")
    obj = DeclarationSet.objects.get(order_no="ORD-1210-BROWSER")
    assert (obj.trade_mode, obj.agent_id, obj.state) == ("1210", agent.pk, "received")

    page.click("button:has-text('三单对碰')")
    page.wait_for_selector("text=三单一致，没有差异")
    assert "已对碰" in page.inner_text("h1")
    page.click("button:has-text('计税')")
    page.wait_for_selector("#tax")
    assert "已计税" in page.inner_text("h1")
    shot(page, "crossborder-1210-taxed")
    page.click("button:has-text('申报清单')")
    page.wait_for_selector("h1:has-text('已申报')")
    assert len(customs.sent) == 1

    for _ in range(5):  # 2 declaring → 120 accepted → 800 released, one step per poll
        if page.locator("#receipts td:has-text('放行')").count():
            break
        page.click("button:has-text('拉取回执')")
        page.wait_for_load_state()
    assert page.locator("#receipts td:has-text('放行')").count() == 1
    assert "已放行" in page.inner_text("h1")
    assert [r.strip() for r in page.locator("#receipts tr td:first-child").all_inner_texts()] == [
        "2",
        "120",
        "800",
    ]
    shot(page, "crossborder-1210-released")
    obj.refresh_from_db()
    assert (obj.state, obj.return_status) == ("released", "800")

    # The release took the declared quantities out of the bonded account book.
    balances = dict(BondedItem.objects.filter(account=account).values_list("item_record_no", "balance"))
    assert balances == {"REC-SKU-1": Decimal(8), "REC-SKU-2": Decimal(4)}
    assert BondedMove.objects.filter(declaration=obj, kind="release").count() == 2
    page.goto(f"{base}/crossborder/bonded/{account.pk}/")
    assert page.locator("td[data-record='REC-SKU-1']").inner_text() == "8"
    assert page.locator("#moves td:has-text('放行出区')").count() == 2
    shot(page, "crossborder-1210-bonded-account")
    gateway._gateways.clear()
