"""A park admin's day in a real browser: Chinese dashboard, register an enterprise, book a room, see conflicts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from livepark.registry.models import Enterprise, LiveRoom, RoomBooking
from tests.factories import make_uscc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, base: str, username: str = "admin", password: str = "livepark-demo") -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_park_admin_registers_an_enterprise_and_books_a_room(live_server, page, shot):
    call_command("demo", scale="small", seed=7, json=True)
    base = live_server.url
    login(page, base)

    # The Chinese dashboard with the park's figures.
    assert page.locator("h1").inner_text() == "园区总览"
    assert page.get_by_test_id("enterprises").inner_text() == str(Enterprise.objects.count())
    assert page.get_by_test_id("rooms").inner_text() == str(LiveRoom.objects.count())
    assert page.locator("#followers-chart canvas").count() == 1  # ECharts drew the followers chart
    shot(page, "dashboard")

    # Register an enterprise through the form.
    page.click("text=企业")
    page.click("text=登记企业")
    page.fill("#id_name", "浏览器测试供应链有限公司")
    page.fill("#id_uscc", make_uscc(777))
    page.check("input[name=kinds][value=factory]")
    page.fill("#id_region_code", "330782")
    page.select_option("#id_industry", "jewellery")
    page.fill("#id_contact_phone", "13811112222")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=企业已登记")
    assert page.locator("h1").inner_text().startswith("浏览器测试供应链有限公司")
    assert page.locator("dd", has_text="浙江省 金华市 义乌市（330782）").count() == 1
    assert page.locator("dd", has_text="138****2222").count() == 1
    assert "13811112222" not in page.content()  # the phone is shown masked, in the fields and the history
    ent = Enterprise.objects.get(uscc=make_uscc(777))
    assert ent.kinds == ["factory"]

    # A bad USCC is refused on the form and nothing is written.
    page.goto(f"{base}/registry/enterprises/new/")
    page.fill("#id_name", "坏代码有限公司")
    page.fill("#id_uscc", "91330102000000001X")
    page.check("input[name=kinds][value=brand]")
    page.fill("#id_region_code", "330102")
    page.click("button:has-text('保存')")
    assert page.locator(".errorlist").first.inner_text() == "校验位不正确 / check digit does not match"
    assert not Enterprise.objects.filter(name="坏代码有限公司").exists()

    # Book a free slot next Tuesday in the calendar and see it appear.
    room = LiveRoom.objects.filter(status="available").order_by("building", "floor", "number").first()
    tuesday = timezone.localdate() + dt.timedelta(days=8 - timezone.localdate().weekday())
    page.goto(f"{base}/registry/calendar/")
    page.select_option("#id_room_id", str(room.pk))
    page.fill("#id_day", tuesday.isoformat())
    page.fill("#id_start_time", "06:00")
    page.fill("#id_end_time", "08:00")
    page.select_option("#id_enterprise_id", str(ent.pk))
    page.fill("#id_purpose", "浏览器测试专场")
    page.click("button:has-text('预订')")
    page.wait_for_selector("[data-testid=booked]")
    booking = RoomBooking.objects.get(purpose="浏览器测试专场")
    slot = page.locator(f"[data-booking='{booking.pk}']")
    assert slot.count() == 1 and "new" in slot.get_attribute("class")
    assert slot.inner_text().startswith("06:00–08:00")
    shot(page, "calendar-booked")

    # The same slot again: a clear conflict, the clashing booking marked red, nothing written.
    count = RoomBooking.objects.count()
    page.select_option("#id_room_id", str(room.pk))
    page.fill("#id_day", tuesday.isoformat())
    page.fill("#id_start_time", "07:00")
    page.fill("#id_end_time", "09:00")
    page.select_option("#id_enterprise_id", str(ent.pk))
    page.click("button:has-text('预订')")
    page.wait_for_selector("[data-testid=conflict]")
    conflict = page.locator(f"[data-booking='{booking.pk}']")
    assert "conflict" in conflict.get_attribute("class")
    assert RoomBooking.objects.count() == count
    shot(page, "calendar-conflict")


def test_language_switch_to_english(live_server, browser):
    """Chinese first, even for a browser that asks for English; the header's switch turns English on."""
    call_command("demo", scale="small", seed=7, json=True)
    page = browser.new_context(locale="en-US").new_page()
    login(page, live_server.url)
    assert page.locator("h1").inner_text() == "园区总览"
    page.select_option("select[name=language]", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Park overview"
    assert page.locator("html").get_attribute("lang") == "en"
