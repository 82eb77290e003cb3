"""Forms of the registry pages: they parse input; the services decide."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from livepark.core.errors import ServiceError
from livepark.registry.choices import (
    AnchorLevel,
    AnchorMode,
    AnchorStatus,
    EnterpriseKind,
    IndustryTrack,
    MembershipStatus,
    Platform,
    RoomStatus,
)


def apply_service_error(form: forms.Form, exc: ServiceError) -> None:
    """Show a service's field errors on the form's fields (unknown fields as form-wide errors)."""
    if not exc.fields:
        form.add_error(None, exc.detail)
    for name, messages in exc.fields.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message if target else f"{name}: {message}")


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=128)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    kinds = forms.MultipleChoiceField(
        label=_("企业类型"), choices=EnterpriseKind.choices, widget=forms.CheckboxSelectMultiple
    )
    region_code = forms.CharField(label=_("行政区划代码（6 位）"), max_length=6)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    industry = forms.ChoiceField(label=_("产业赛道"), choices=IndustryTrack.choices)
    membership_status = forms.ChoiceField(label=_("入驻状态"), choices=MembershipStatus.choices)
    contact_name = forms.CharField(label=_("联系人"), max_length=32, required=False)
    contact_phone = forms.CharField(
        label=_("联系电话"), max_length=20, required=False, help_text=_("留空则不修改 / leave blank to keep")
    )


class AnchorForm(forms.Form):
    real_name = forms.CharField(label=_("真实姓名"), max_length=32)
    id_number = forms.CharField(
        label=_("身份证号"), max_length=18, required=False, help_text=_("编辑时留空则不修改 / blank keeps it")
    )
    stage_name = forms.CharField(label=_("艺名"), max_length=64)
    mode = forms.ChoiceField(label=_("直播方式"), choices=AnchorMode.choices)
    region_code = forms.CharField(label=_("籍贯/常驻地代码（6 位）"), max_length=6)
    categories = forms.MultipleChoiceField(
        label=_("擅长品类"),
        choices=IndustryTrack.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    level = forms.ChoiceField(label=_("等级"), choices=AnchorLevel.choices)
    status = forms.ChoiceField(label=_("状态"), choices=AnchorStatus.choices)


class AccountForm(forms.Form):
    owner_anchor_id = forms.IntegerField(label=_("所属主播 ID"), required=False)
    owner_enterprise_id = forms.IntegerField(label=_("所属企业 ID"), required=False)
    platform = forms.ChoiceField(label=_("平台"), choices=Platform.choices)
    account_id = forms.CharField(label=_("平台账号 ID"), max_length=64)
    display_name = forms.CharField(label=_("账号昵称"), max_length=64)
    followers = forms.IntegerField(label=_("粉丝数"), min_value=0, initial=0)


class AccountUpdateForm(forms.Form):
    display_name = forms.CharField(label=_("账号昵称"), max_length=64)
    followers = forms.IntegerField(label=_("粉丝数"), min_value=0)


class RoomForm(forms.Form):
    building = forms.CharField(label=_("楼栋"), max_length=32)
    floor = forms.IntegerField(label=_("楼层"))
    number = forms.CharField(label=_("房间号"), max_length=16)
    area_m2 = forms.DecimalField(label=_("面积（平方米）"), max_digits=7, decimal_places=2)
    equipment = forms.CharField(label=_("设备（逗号分隔）"), required=False)
    capacity = forms.IntegerField(label=_("容纳人数"))
    hourly_price_yuan = forms.DecimalField(
        label=_("每小时价格（元）"), max_digits=10, decimal_places=2, min_value=0
    )
    status = forms.ChoiceField(label=_("状态"), choices=RoomStatus.choices)

    def service_data(self) -> dict:
        """The form's values in the service's units (fen, lists)."""
        d = dict(self.cleaned_data)
        d["equipment"] = [
            e.strip() for e in d.pop("equipment", "").replace("，", ",").split(",") if e.strip()
        ]
        d["hourly_price_fen"] = int(d.pop("hourly_price_yuan") * 100)
        return d


class BookingForm(forms.Form):
    room_id = forms.IntegerField(label=_("直播间"), widget=forms.Select)
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("开始"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("结束"), widget=forms.TimeInput(attrs={"type": "time"}))
    enterprise_id = forms.TypedChoiceField(label=_("预订企业"), coerce=int, required=False, empty_value=None)
    anchor_id = forms.TypedChoiceField(label=_("主播"), coerce=int, required=False, empty_value=None)
    purpose = forms.CharField(label=_("用途"), max_length=200, required=False)

    def __init__(self, *args, rooms=(), enterprises=None, anchors=None, **kwargs):
        """`enterprises`/`anchors`: (id, name) the booker may choose; None hides the field (implied by role)."""
        super().__init__(*args, **kwargs)
        self.fields["room_id"].widget.choices = [(r.pk, str(r)) for r in rooms]
        for name, choices in (("enterprise_id", enterprises), ("anchor_id", anchors)):
            if choices is None:
                del self.fields[name]
            else:
                self.fields[name].choices = [("", "—")] + [(pk, label) for pk, label in choices]

    def service_data(self) -> dict:
        """Local (Asia/Shanghai) day and times -> aware start and end; an end at or before start means next day."""
        d = self.cleaned_data
        start = timezone.make_aware(dt.datetime.combine(d["day"], d["start_time"]))
        end = timezone.make_aware(dt.datetime.combine(d["day"], d["end_time"]))
        if d["end_time"] == dt.time(0, 0):
            end += dt.timedelta(days=1)
        return {
            "room_id": d["room_id"],
            "start": start,
            "end": end,
            "enterprise_id": d.get("enterprise_id"),
            "anchor_id": d.get("anchor_id"),
            "purpose": d.get("purpose", ""),
        }
