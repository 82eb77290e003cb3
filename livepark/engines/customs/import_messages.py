"""CEB import messages (全国海关跨境电子商务进口统一版, 2016-08), transcribed by hand from ``ceb-import.xsd``.

Every table lists a node's elements in the order the schema's ``xs:sequence`` requires, each with its type
code (see `model.F`: ``C1..60`` 1–60 characters, ``N19,5`` decimal, ``T14`` YYYYMMDDhhmmss, ``?`` optional).
The comments are the XSD's own field notes, shortened. The schema has no enumeration facets; its only value
constraint beyond lengths and digits is ``fixed="142"`` (RMB) on ``currency``.

Dates: the XSD types them as fixed-length strings; the fields whose notes give a date format are typed
``D8``/``T14``/``T17`` here so records carry `datetime.date`/`datetime.datetime`.
"""

from __future__ import annotations

from functools import partial

from .model import F, MessageSpec, SignatureSpec, child, node
from .model import message as _message

message = partial(_message, direction="import", xsd="ceb-import.xsd")

# ---- business nodes ------------------------------------------------------------------------------------

ORDER_HEAD = node(
    "OrderHead",  # 电子订单表头实体
    F("guid", "C36"),  # 企业系统生成36位唯一序号（英文字母大写）。
    F("appType", "C1"),  # 企业报送类型。1-新增 2-变更 3-删除。默认为1。
    F("appTime", "T14"),  # 企业报送时间。格式:YYYYMMDDhhmmss。mss
    F("appStatus", "C1..3"),  # 业务状态:1-暂存,2-申报,默认为2。
    F("orderType", "C1"),  # 电子订单类型：I进口
    F("orderNo", "C1..60"),  # 交易平台的订单编号，同一交易平台的订单编号应唯一。订单编号长度不能超过60位。
    F("ebpCode", "C1..18"),  # 电商平台的海关注册登记编号；电商平台未在海关注册登记，由电商企业发送订单的，以…
    F("ebpName", "C1..100"),  # 电商平台的海关注册登记名称；电商平台未在海关注册登记，由电商企业发送订单的，…
    F("ebcCode", "C1..18"),  # 电商企业的海关注册登记编号。
    F("ebcName", "C1..100"),  # 电商企业的海关注册登记名称。
    F("goodsValue", "N19,5"),  # 商品实际成交价，含非现金抵扣金额。
    F("freight", "N19,5"),  # 不包含在商品价格中的运杂费，无则填写"0"。
    F("discount", "N19,5"),  # 使用积分、虚拟货币、代金券等非现金支付金额，无则填写"0"。
    F("taxTotal", "N19,5"),  # 企业预先代扣的税款金额，无则填写“0”
    F("acturalPaid", "N19,5"),  # 商品价格+运杂费+代扣税款-非现金抵扣金额，与支付凭证的支付金额一致。
    F("currency", "C3", fixed="142"),  # 限定为人民币，填写“142”。
    F("buyerRegNo", "C1..60"),  # 订购人的交易平台注册号。
    F("buyerName", "C1..60"),  # 订购人的真实姓名。
    F("buyerTelephone", "C1..30"),  # 订购人电话。
    F("buyerIdType", "C1"),  # 1-身份证,2-其它。限定为身份证，填写“1”
    F("buyerIdNumber", "C1..60"),  # 订购人的身份证件号码。
    F("payCode", "C..18?"),  # 支付企业的海关注册登记编号。
    F("payName", "C..100?"),  # 支付企业在海关注册登记的企业名称。
    F("payTransactionId", "C..60?"),  # 支付企业唯一的支付流水号。
    F("batchNumbers", "C..100?"),  # 商品批次号
    F("consignee", "C1..100"),  # 收货人姓名，必须与电子运单的收货人姓名一致。
    F("consigneeTelephone", "C1..50"),  # 收货人联系电话，必须与电子运单的收货人电话一致。
    F("consigneeAddress", "C1..200"),  # 收货地址，必须与电子运单的收货地址一致。
    F("consigneeDistrict", "C6?"),  # 参照国家统计局公布的国家行政区划标准填制。
    F("note", "C..1000?"),  # 订单备注
)


ORDER_LIST = node(
    "OrderList",  # 电子订单商品实体
    F("gnum", "I"),  # 从1开始的递增序号。
    F("itemNo", "C..30?"),  # 电商企业自定义的商品货号（SKU）。
    F("itemName", "C1..250"),  # 交易平台销售商品的中文名称。
    F("gmodel", "C1..510"),  # 满足海关归类、审价以及监管的要求为准。包括：品名、牌名、规格、型号、成份、含量…
    F("itemDescribe", "C..1000?"),  # 交易平台销售商品的描述信息。
    F("barCode", "C..50?"),  # 国际通用的商品条形码，一般由前缀部分、制造厂商代码、商品代码和校验码组成。
    F("unit", "C3"),  # 填写海关标准的参数代码，参照《JGS-20 海关业务代码集》- 计量单位代码。
    F("qty", "N19,5"),  # 商品实际数量。
    F("price", "N19,5"),  # 商品单价。赠品单价填写为“0”。
    F("totalPrice", "N19,5"),  # 商品总价，等于单价乘以数量。
    F("currency", "C3", fixed="142"),  # 限定为人民币，填写“142”。
    F("country", "C3"),  # 填写海关标准的参数代码，参照《JGS-20 海关业务代码集》-国家（地区）代码表。
    F("note", "C..1000?"),  # 促销活动，商品单价偏离市场价格的，可以在此说明。
)


ORDER_RETURN = node(
    "OrderReturn",  # 电子订单回执实体
    F("guid", "C36"),  # 电子口岸系统生成36位唯一序号（英文字母大写）
    F("ebpCode", "C1..18"),  # 电商平台的海关注册登记编号；电商平台未在海关注册登记，由电商企业发送订单的，以…
    F("ebcCode", "C1..18"),  # 电商企业的海关注册登记编号。
    F("orderNo", "C1..60"),  # 交易平台的订单编号，同一交易平台的订单编号应唯一。订单编号长度不能超过60位。
    F("returnStatus", "C1..10"),  # 操作结果（2电子口岸申报中/3发送海关成功/4发送海关失败/100海关退单/120海关…
    F("returnTime", "T17"),  # 操作时间(格式:YYYYMMDDhhmmssSSS)
    F("returnInfo", "C1..1000"),  # 备注（如:退单原因）
)


PAYMENT_HEAD = node(
    "PaymentHead",  # 支付凭证数据实体
    F("guid", "C36"),  # 企业系统生成36位唯一序号（英文字母大写）。
    F("appType", "C1"),  # 企业报送类型。1-新增 2-变更 3-删除。默认为1。
    F("appTime", "T14"),  # 企业报送时间。格式:YYYYMMDDhhmmss。mss
    F("appStatus", "C1..3"),  # 业务状态:1-暂存,2-申报,默认为2。
    F("payCode", "C1..18"),  # 支付企业的海关注册登记编号。
    F("payName", "C1..100"),  # 支付企业在海关注册登记的名称。
    F("payTransactionId", "C1..60"),  # 支付企业唯一的支付流水号。
    F("orderNo", "C1..60"),  # 交易平台的订单编号，同一交易平台的订单编号应唯一。订单编号长度不能超过60位。
    F("ebpCode", "C1..18"),  # 电商平台的海关注册登记编号；电商平台未在海关注册登记，由电商企业发送订单的，以…
    F("ebpName", "C1..100"),  # 电商平台的海关注册登记名称；电商平台未在海关注册登记，由电商企业发送订单的，…
    F("payerIdType", "C1"),  # 1-身份证,2-其它。限定为身份证，填写“1”。
    F("payerIdNumber", "C1..60"),  # 支付人证件号码
    F("payerName", "C1..60"),  # 支付人的身份证件号码。
    F("telephone", "C..60?"),  # 支付人电话
    F("amountPaid", "N19,5"),  # 支付金额
    F("currency", "C3", fixed="142"),  # 限定为人民币，填写“142”。
    F("payTime", "T14"),  # 支付时间，格式:YYYYMMDDhhmmss。hm
    F("note", "C..1000?"),  # 备注
)


PAYMENT_RETURN = node(
    "PaymentReturn",  # 支付凭证回执实体
    F("guid", "C36"),  # 电子口岸生成36位唯一序号（英文字母大写）
    F("payCode", "C1..18"),  # 支付企业的海关注册登记编号。
    F("payTransactionId", "C1..60"),  # 支付企业唯一的支付流水号。
    F("returnStatus", "C1..10"),  # 操作结果（2电子口岸申报中/3发送海关成功/4发送海关失败/100海关退单/120海关…
    F("returnTime", "T17"),  # 操作时间(格式:YYYYMMDDhhmmssSSS)
    F("returnInfo", "C1..1000"),  # 备注（如:退单原因）
)


LOGISTICS_HEAD = node(
    "LogisticsHead",  # 物流运单数据实体
    F("guid", "C36"),  # 企业系统生成36位唯一序号（英文字母大写）。
    F("appType", "C1"),  # 企业报送类型。1-新增 2-变更 3-删除。默认为1。
    F("appTime", "T14"),  # 企业报送时间。格式:YYYYMMDDhhmmss。mss
    F("appStatus", "C1..3"),  # 业务状态:1-暂存,2-申报,默认为2。
    F("logisticsCode", "C1..18"),  # 物流企业的海关注册登记编号。
    F("logisticsName", "C1..100"),  # 物流企业在海关注册登记的名称。
    F("logisticsNo", "C1..60"),  # 物流企业的运单包裹面单号。同一物流企业的运单编号在6个月内不重复。运单编号…
    F("billNo", "C..37?"),  # 直购进口为海运提单、空运总单或汽车载货清单
    F("orderNo", "C1..60"),  # 交易平台的订单编号，同一交易平台的订单编号应唯一。订单编号长度不能超过60位。
    F("freight", "N19,5?"),  # 商品运输费用，无则填“0”。
    F("insuredFee", "N19,5?"),  # 商品保险费用，无则填“0”。
    F("currency", "C3", fixed="142"),  # 限定为人民币，填写“142”。
    F("weight", "N19,5"),  # 毛重,单位为千克。
    F("packNo", "I9"),  # 单个运单下包裹数，限定为“1”。
    F("goodsInfo", "C..200?"),  # 配送的商品信息，包括商品名称、数量等。
    F("consignee", "C1..100"),  # 收货人姓名。
    F("consigneeAddress", "C1..200"),  # 收货地址。
    F("consigneeTelephone", "C1..50"),  # 收货人电话号码。
    F("note", "C..1000?"),  # 备注
)


LOGISTICS_RETURN = node(
    "LogisticsReturn",  # 物流运单回执实体
    F("guid", "C36"),  # 电子口岸生成36位唯一序号（英文字母大写）
    F("logisticsCode", "C1..18"),  # 物流企业的海关注册登记编号。
    F("logisticsNo", "C1..60"),  # 物流企业的运单包裹面单号。同一物流企业的运单编号在6个月内不重复。运单编号…
    F("returnStatus", "C1..10"),  # 操作结果（2电子口岸申报中/3发送海关成功/4发送海关失败/100海关退单/120海关…
    F("returnTime", "T17"),  # 操作时间(格式:YYYYMMDDhhmmssSSS)
    F("returnInfo", "C1..1000"),  # 备注（如:退单原因）
)


LOGISTICS_STATUS = node(
    "LogisticsStatus",  # 物流运单状态数据实体
    F("guid", "C36"),  # 企业系统生成36位唯一序号（英文字母大写）
    F("appType", "C1"),  # 企业报送类型。1-新增 2-变更 3-删除。默认为1。
    F("appTime", "T14"),  # 企业报送时间。格式:YYYYMMDDhhmmss。mss
    F("appStatus", "C1..3"),  # 业务状态:1-暂存,2-申报,默认为2。
    F("logisticsCode", "C1..18"),  # 物流企业的海关注册登记编号。
    F("logisticsName", "C1..100"),  # 物流企业在海关注册登记的名称。
    F("logisticsNo", "C1..60"),  # 物流企业的运单包裹面单号。同一物流企业的运单编号在6个月内不重复。运单编号…
    F("logisticsStatus", "C1"),  # 物流签收状态，限定S
    F("logisticsTime", "T14"),  # 物流状态发生的实际时间。格式:YYYYMMDDhhmmss。
    F("note", "C..1000?"),  # 备注
)


LOGISTICS_STATUS_RETURN = node(
    "LogisticsStatusReturn",  # 物流运单状态回执实体
    F("guid", "C36"),  # 电子口岸生成36位唯一序号（英文字母大写）
    F("logisticsCode", "C1..18"),  # 物流企业的海关注册登记编号。
    F("logisticsNo", "C1..60"),  # 物流企业的运单包裹面单号。同一物流企业的运单编号在6个月内不重复。运单编号…
    F("logisticsStatus", "C1"),  # 物流签收状态，限定为S
    F("returnStatus", "C1..10"),  # 操作结果（2电子口岸申报中/3发送海关成功/4发送海关失败/100海关退单/399海关…
    F("returnTime", "T17"),  # 操作时间(格式:YYYYMMDDhhmmssSSS)
    F("returnInfo", "C1..1000"),  # 回执信息（如:退单原因）
)


INVENTORY_HEAD = node(
    "InventoryHead",  # 进口清单表头实体
    F("guid", "C36"),  # 企业系统生成36位唯一序号（英文字母大写）。
    F("appType", "C1"),  # 企业报送类型。1-新增 2-变更 3-删除。默认为1。
    F("appTime", "T14"),  # 企业报送时间。格式:YYYYMMDDhhmmss。mss
    F("appStatus", "C1..3"),  # 业务状态:1-暂存,2-申报,默认为1。填写2时,Signature节点必须填写.
    F("orderNo", "C1..60"),  # 交易平台的订单编号，同一交易平台的订单编号应唯一。订单编号长度不能超过60位。
    F("ebpCode", "C1..18"),  # 电商平台的海关注册登记编号；电商平台未在海关注册登记，由电商企业发送订单的，以…
    F("ebpName", "C1..100"),  # 电商平台的海关注册登记名称；电商平台未在海关注册登记，由电商企业发送订单的，…
    F("ebcCode", "C1..18"),  # 电商企业的海关注册登记编号。
    F("ebcName", "C1..100"),  # 电商企业的海关注册登记名称。
    F("logisticsNo", "C1..60"),  # 物流企业的运单包裹面单号。同一物流企业的运单编号在6个月内不重复。运单编号…
    F("logisticsCode", "C1..18"),  # 物流企业的海关注册登记编号。
    F("logisticsName", "C1..100"),  # 物流企业在海关注册登记的名称。
    F("copNo", "C..20?"),  # 企业内部标识单证的编号。
    F("preNo", "C..18?"),  # 电子口岸标识单证的编号。
    F("assureCode", "C1..30"),  # 担保扣税的企业海关注册登记编号，只限清单的申报企业、电商企业物流企业。
    F("emsNo", "C..30?"),  # 保税模式必填，填写区内仓储企业在海关备案的账册编号，用于保税进口业务在特殊区域辅…
    F("invtNo", "C..18?"),  # 海关接受申报生成的清单编号。
    F("ieFlag", "C1"),  # I-进口,E-出口
    F("declTime", "D8"),  # 申报日期，以海关计算机系统接受清单申报数据时记录的日期为准。格式:YYYYMMDD。
    F("customsCode", "C4"),  # 接受清单申报的海关关区代码，参照JGS/T 18《海关关区代码》。
    F("portCode", "C4"),  # 商品实际进出我国关境口岸海关的关区代码，参照JGS/T 18《海关关区代码》。
    F("ieDate", "D8?"),  # 运载所申报商品的运输工具申报进境的日期，进口申报时无法确知相应的运输工具的实际进境…
    F("buyerIdType", "C1"),  # 1-身份证,2-其它。限定为身份证，填写“1”。
    F("buyerIdNumber", "C1..60"),  # 订购人的身份证件号码。
    F("buyerName", "C1..60"),  # 订购人的真实姓名。
    F("buyerTelephone", "C1..30"),  # 订购人电话。
    F("consigneeAddress", "C1..200"),  # 收件地址。
    F("agentCode", "C1..18"),  # 申报单位的海关注册登记编号。
    F("agentName", "C1..100"),  # 申报单位在海关注册登记的名称。
    F("areaCode", "C..18?"),  # 保税模式必填，区内仓储企业的海关注册登记编号。
    F("areaName", "C..100?"),  # 保税模式必填，区内仓储企业在海关注册登记的名称。
    F("tradeMode", "C4"),  # 直购进口填写“9610”，保税进口填写“1210”。
    F("trafMode", "C1"),  # 填写海关标准的参数代码，参照《JGS-20 海关业务代码集》- 运输方式代码。直购进口指跨…
    F("trafNo", "C..100?"),  # 直购进口必填。货物进出境的运输工具的名称或运输工具编号。填报内容应与运输部门向…
    F("voyageNo", "C..32?"),  # 直购进口必填。货物进出境的运输工具的航次编号。保税进口免填。
    F("billNo", "C..37?"),  # 直购进口必填。货物提单或运单的编号，保税进口免填。
    F("loctNo", "C..10?"),  # 针对同一申报地海关下有多个跨境电子商务的监管场所,需要填写区分
    F("licenseNo", "C..19?"),  # 商务主管部门及其授权发证机关签发的进出口货物许可证件的编号
    F("country", "C3"),  # 直购进口填写起始发出国家（地区）代码，参照《JGS-20 海关业务代码集》的国家（地区）…
    F("freight", "N19,5"),  # 物流企业实际收取的运输费用。
    F("insuredFee", "N19,5"),  # 物流企业实际收取的商品保价费用。
    F("currency", "C3", fixed="142"),  # 限定为人民币，填写“142”。
    F("wrapType", "C1?"),  # 海关对进出口货物实际采用的外部包装方式的标识代码，采用1 位数字表示，如：木箱、纸…
    F("packNo", "I9"),  # 件数为包裹数量，限定为“1”。
    F("grossWeight", "N19,5"),  # 货物及其包装材料的重量之和，计量单位为千克。
    F("netWeight", "N19,5"),  # 货物的毛重减去外包装材料后的重量，即货物本身的实际重量，计量单位为千克。
    F("note", "C..1000?"),  # 备注
)


INVENTORY_LIST = node(
    "InventoryList",  # 进口清单表体实体
    F("gnum", "I"),  # 从1开始连续序号，与关联的电子订单表体序号一一对应。
    F("itemRecordNo", "C..30?"),  # 账册备案料号 保税模式必填
    F("itemNo", "C..30?"),  # 电商企业自定义的商品货号（SKU）。
    F("itemName", "C..250?"),  # 交易平台销售商品的中文名称。
    F("gcode", "C10"),  # 按商品分类编码规则确定的进出口商品的商品编号，分为商品编号和附加编号，其中商品编号…
    F("gname", "C1..250"),  # 商品名称应据实填报，与电子订单一致。
    F("gmodel", "C1..510"),  # 满足海关归类、审价以及监管的要求为准。包括：品名、牌名、规格、型号、成份、含量…
    F("barCode", "C..50?"),  # 商品条码一般由前缀部分、制造厂商代码、商品代码和校验码组成。没有条码填“无”
    F("country", "C3"),  # 原产国（地区），海关标准的参数代码 《JGS-20 海关业务代码集》 国家（地区）代码表填…
    F("tradeCountry", "C3?"),  # 贸易国，按海关规定的《国别（地区）代码表》选择填报相应的贸易国（地区）代码。
    F("currency", "C3", fixed="142"),  # 限定为人民币，填写“142”。
    F("qty", "N19,5"),  # 数量，按成交计量单位的实际数量
    F("unit", "C3"),  # 计量单位，海关标准的参数代码 《JGS-20 海关业务代码集》- 计量单位代码
    F("qty1", "N19,5"),  # 法定数量，海关标准的参数代码 《JGS-20 海关业务代码集》- 计量单位代码
    F("unit1", "C3"),  # 法定i计量单位,海关标准的参数代码 《JGS-20 海关业务代码集》- 计量单位代码
    F("qty2", "N19,5?"),  # 第二数量
    F("unit2", "C3?"),  # 第二计量单位,海关标准的参数代码 《JGS-20 海关业务代码集》- 计量单位代码
    F("price", "N19,5"),  # 成交单价
    F("totalPrice", "N19,5"),  # 成交总价
    F("note", "C..1000?"),  # 备注
)


INVENTORY_RETURN = node(
    "InventoryReturn",  # 进口清单回执实体
    F("guid", "C36"),  # 电子口岸生成36位唯一序号（英文字母大写）
    F("customsCode", "C4?"),  # 申报口岸
    F("ebpCode", "C1..18?"),  # 电商平台的海关注册登记编号；电商平台未在海关注册登记，由电商企业发送订单的，…
    F("ebcCode", "C1..18?"),  # 电商平台的海关注册登记编号；电商平台未在海关注册登记，由电商企业发送订单的，…
    F("agentCode", "C1..18?"),  # 申报单位代码,10位海关代码或者18位信用代码(兼容考虑，暂设为选填)
    F("copNo", "C1..20"),  # 企业内部标识单证的编号
    F("preNo", "C18"),  # 电子口岸标识单证的编号
    F("invtNo", "C18?"),  # 海关审核反馈清单的编号
    F("returnStatus", "C1..10"),  # 操作结果（1电子口岸已暂存/2电子口岸申报中/3发送海关成功/4发送海关失败/100…
    F("returnTime", "T17"),  # 操作时间(格式:YYYYMMDDhhmmssSSS)
    F("returnInfo", "C1..1000"),  # 回执信息（如:退单原因）
)


INVT_CANCEL = node(
    "InvtCancel",  # 撤销申请单实体
    F("guid", "C36"),  # 企业系统生成36位唯一序号（英文字母大写）
    F("appType", "C1"),  # 企业报送类型。1-新增。默认为1。
    F("appTime", "T14"),  # 企业报送时间。格式:YYYYMMDDhhmmss。mss
    F("appStatus", "C1..3"),  # 业务状态:1-暂存,2-申报,默认为1。填写2时,Signature节点必须填写.
    F("customsCode", "C4"),  # 接受申报的海关关区代码，参照JGS/T 18《海关关区代码》。
    F("orderNo", "C1..60"),  # 交易平台的订单编号，同一交易平台的订单编号应唯一。订单编号长度不能超过60位。
    F("ebpCode", "C1..18"),  # 电商平台的海关注册登记编号；电商平台未在海关注册登记，由电商企业发送订单的，以…
    F("ebpName", "C1..100"),  # 电商平台的海关注册登记名称；电商平台未在海关注册登记，由电商企业发送订单的，…
    F("ebcCode", "C1..18"),  # 电商企业的海关注册登记编号。
    F("ebcName", "C1..100"),  # 电商企业的海关注册登记名称。
    F("logisticsNo", "C1..60"),  # 物流企业的运单包裹面单号。同一物流企业的运单编号在6个月内不重复。运单编号…
    F("logisticsCode", "C1..18"),  # 物流企业的海关注册登记编号。
    F("logisticsName", "C1..100"),  # 物流企业在海关注册登记的名称。
    F("copNo", "C..20?"),  # 企业内部标识单证的编号
    F("preNo", "C..18?"),  # 电子口岸标识单证的编号
    F("invtNo", "C1..18"),  # 申请撤销的原始清单编号。
    F("buyerIdType", "C1"),  # 1-身份证,2-其它。限定为身份证，填写“1”。
    F("buyerIdNumber", "C1..60"),  # 订购人的身份证件号码。
    F("buyerName", "C1..60"),  # 订购人的真实姓名。
    F("buyerTelephone", "C1..30"),  # 订购人电话
    F("agentCode", "C1..18"),  # 申报单位的海关注册登记编号。
    F("agentName", "C1..100"),  # 申报单位在海关注册登记的名称。
    F("reason", "C1..1000"),  # 撤单原因
    F("note", "C..1000?"),  # 备注
)


INVT_CANCEL_RETURN = node(
    "InvtCancelReturn",  # 撤销申请单回执实体
    F("guid", "C36"),  # 电子口岸生成36位唯一序号（英文字母大写）
    F("customsCode", "C4?"),  # 申报口岸
    F("agentCode", "C1..18?"),  # 申报单位代码,10位海关代码或者18位信用代码（兼容考虑，暂设为选填）
    F("ebpCode", "C1..18?"),  # 电商平台代码,10位海关代码或者18位信用代码(兼容考虑，暂设为选填)
    F("ebcCode", "C1..18?"),  # 电商企业代码,10位海关代码或者18位信用代码(兼容考虑，暂设为选填)
    F("copNo", "C1..20"),  # 企业内部标识单证的编号
    F("preNo", "C18"),  # 电子口岸标识单证的编号
    F("invtNo", "C18?"),  # 申请撤销的原始清单编号
    F("returnStatus", "C1..10"),  # 操作结果（1电子口岸已暂存/2电子口岸申报中/3发送海关成功/4发送海关失败/100…
    F("returnTime", "T17"),  # 操作时间(格式:YYYYMMDDhhmmssSSS)
    F("returnInfo", "C1..1000"),  # 回执信息（如:退单原因）
)


INVT_REFUND_HEAD = node(
    "InvtRefundHead",  # 退货申请单表头实体
    F("guid", "C36"),  # 企业系统生成36位唯一序号（英文字母大写）
    F("appType", "C1"),  # 企业报送类型。1-新增 2-变更 3-删除。默认为1。
    F("appTime", "T14"),  # 企业报送时间。格式:YYYYMMDDhhmmss。mss
    F("appStatus", "C1..3"),  # 业务状态:1-暂存,2-申报,默认为1。填写2时,Signature节点必须填写.
    F("customsCode", "C4"),  # 接受申报的海关关区代码，参照JGS/T 18《海关关区代码》。
    F("orderNo", "C1..60"),  # 交易平台的订单编号，同一交易平台的订单编号应唯一。订单编号长度不能超过60位。
    F("ebpCode", "C1..18"),  # 电商平台的海关注册登记编号；电商平台未在海关注册登记，由电商企业发送订单的，以…
    F("ebpName", "C1..100"),  # 电商平台的海关注册登记名称；电商平台未在海关注册登记，由电商企业发送订单的，…
    F("ebcCode", "C1..18"),  # 电商企业的海关注册登记编号。
    F("ebcName", "C1..100"),  # 电商企业的海关注册登记名称。
    F("logisticsNo", "C1..60"),  # 物流企业的运单包裹面单号。同一物流企业的运单编号在6个月内不重复。运单编号…
    F("logisticsCode", "C1..18"),  # 物流企业的海关注册登记编号。
    F("logisticsName", "C1..100"),  # 物流企业在海关注册登记的名称。
    F("copNo", "C..20?"),  # 企业内部标识单证的编号。
    F("preNo", "C..18?"),  # 电子口岸标识单证的编号。
    F("invtNo", "C1..18"),  # 申请退货的原始清单编号。
    F("buyerIdType", "C1"),  # 订购人证件类型
    F("buyerIdNumber", "C1..60"),  # 订购人证件号码
    F("buyerName", "C1..60"),  # 订购人姓名
    F("buyerTelephone", "C1..30"),  # 订购人电话
    F("agentCode", "C1..18"),  # 申报单位的海关注册登记编号。
    F("agentName", "C1..100"),  # 申报单位在海关注册登记的名称。
    F("reason", "C1..1000"),  # 退货原因
    F("note", "C..1000?"),  # 备注
)


INVT_REFUND_LIST = node(
    "InvtRefundList",  # 退货申请单表体实体
    F("gnum", "I"),  # 对应原清单表体序号（退货项序号）
    F("gcode", "C10"),  # 按商品分类编码规则确定的进出口商品的商品编号，分为商品编号和附加编号，其中商品编号…
    F("gname", "C1..250"),  # 商品名称应据实填报，与清单一致。
    F("qty", "N19,5"),  # 申请退货的数量，小于等于原清单的成交计量单位的数量
    F("unit", "C3"),  # 海关标准的参数代码 《JGS-20 海关业务代码集》- 计量单位代码
    F("note", "C..1000?"),  # 备注
)


INVT_REFUND_RETURN = node(
    "InvtRefundReturn",  # 退货申请单回执实体
    F("guid", "C36"),  # 电子口岸生成36位唯一序号（英文字母大写）
    F("customsCode", "C4?"),  # 申报口岸
    F("agentCode", "C1..18?"),  # 申报单位代码,10位海关代码或者18位信用代码（兼容考虑，暂设为选填）
    F("ebpCode", "C1..18?"),  # 电商平台的海关注册登记编号；电商平台未在海关注册登记，由电商企业发送订单的，…
    F("ebcCode", "C1..18?"),  # 电商平台的海关注册登记编号；电商平台未在海关注册登记，由电商企业发送订单的，…
    F("copNo", "C1..20"),  # 企业内部标识单证的编号
    F("preNo", "C18"),  # 电子口岸标识单证的编号
    F("invtNo", "C18?"),  # 申请退货的原始清单编号
    F("returnStatus", "C1..10"),  # 操作结果（1电子口岸已暂存/2电子口岸申报中/3发送海关成功/4发送海关失败/100…
    F("returnTime", "T17"),  # 操作时间(格式:YYYYMMDDhhmmssSSS)
    F("returnInfo", "C1..1000"),  # 备注（如不通过原因）
)


DELIVERY_HEAD = node(
    "DeliveryHead",  # 入库明细单表头实体
    F("guid", "C36"),  # 企业系统生成36位唯一序号（英文字母大写）
    F("appType", "C1"),  # 企业报送类型。1-新增 2-变更 3-删除。默认为1。
    F("appTime", "T14"),  # 企业报送时间。格式:YYYYMMDDhhmmss。mss
    F("appStatus", "C1..3"),  # 业务状态:1-暂存,2-申报,默认为1。
    F("customsCode", "C4"),  # 接受申报的海关关区代码，参照JGS/T 18《海关关区代码》。
    F("copNo", "C..20?"),  # 企业内部标识单证的编号
    F("preNo", "C..18?"),  # 电子口岸标识单证的编号
    F("rkdNo", "C..18?"),  # 海关接受申报生成的入库单编号
    F("operatorCode", "C1..18"),  # 监管场所经营人在海关注册登记的编号
    F("operatorName", "C1..100"),  # 监管场所经营人在海关注册登记的名称
    F("ieFlag", "C1"),  # I进口/E出口
    F("trafMode", "C1"),  # 填写海关标准的参数代码，参照《JGS-20 海关业务代码集》- 运输方式代码。直购进口指跨…
    F("trafNo", "C1..100"),  # 货物进出境的运输工具的名称或运输工具编号。填报内容应与运输部门向海关申报的载货…
    F("voyageNo", "C1..32"),  # 货物进出境的运输工具的航次编号。
    F("billNo", "C1..37"),  # 货物提单或运单的海运提单、空运总单或汽车载货清单
    F("logisticsCode", "C1..18"),  # 物流企业的海关注册登记编号
    F("logisticsName", "C1..100"),  # 物流企业的海关注册登记名称
    F("unloadLocation", "C..100?"),  # 货物卸货的仓储存放位置
    F("note", "C..1000?"),  # 备注
)


DELIVERY_LIST = node(
    "DeliveryList",  # 入库明细单表体实体
    F("gnum", "I"),  # 从1开始的递增序号
    F("logisticsNo", "C1..60"),  # 物流企业的运单包裹面单号。同一物流企业的运单编号在6个月内不重复。运单编号…
    F("note", "C..1000?"),  # 备注
)


DELIVERY_RETURN = node(
    "DeliveryReturn",  # 入库明细单回执实体
    F("guid", "C36"),  # 电子口岸生成36位唯一序号（英文字母大写）
    F("customsCode", "C4?"),  # 主管海关
    F("operatorCode", "C1..18?"),  # 监管场所经营人代码 监管场所经营人作为第三方对入场所的大包开拆核实包裹（…
    F("copNo", "C..20?"),  # 企业内部标识单证的编号
    F("preNo", "C..18?"),  # 电子口岸标识单证的编号
    F("rkdNo", "C..18?"),  # 海关审核生成的入库单编号
    F("returnStatus", "C1..10"),  # 操作结果（1电子口岸已暂存/2电子口岸申报中/3发送海关成功/4发送海关失败/100…
    F("returnTime", "T17"),  # 操作时间(格式:YYYYMMDDhhmmssSSS)
    F("returnInfo", "C1..1000"),  # 备注（如不通过原因）
)


# ---- transport envelope ----------------------------------------------------------------------------

BASE_TRANSFER = node(
    "BaseTransfer",  # 基础报文传输实体（需要与实际客户端传输企业一致）
    F("copCode", "C1..18"),  # 报文传输的企业代码（需要与接入客户端的企业身份一致）
    F("copName", "C..100"),  # 报文传输的企业名称
    F("dxpMode", "C3"),  # 默认为DXP；指中国电子口岸数据交换平台
    F("dxpId", "C..30"),  # 向中国电子口岸数据中心申请数据交换平台的用户编号
    F("note", "C..1000?"),  # 备注
)


BASE_SUBSCRIBE = node(
    "BaseSubscribe",  # 基础回执订阅实体（用于第三方提供数据的订阅下发）
    F("status", "C..100"),  # 用户订阅单证业务状态的信息, ALL-订阅数据和回执, DATA-只订阅数据,RET- 只订阅回执
    F("dxpMode", "C3"),  # 默认为DXP；指中国电子口岸数据交换平台
    F("dxpAddress", "C..100"),  # 向中国电子口岸数据中心申请数据交换平台的用户编号
    F("note", "C..1000?"),  # 备注
)


EXTEND_MESSAGE = node(
    "ExtendMessage",  # 扩展自定义数据实体
    F("name", "C..30"),  # 自定义报文名称
    F("version", "C..30"),  # 自定义报文版本
    F("Message", "X"),  # 自定义报文实体
)


# The import schema puts ExtendMessage before ds:Signature (the export schema has them the other way round).
ENVELOPE = (
    child(BASE_TRANSFER),
    child(BASE_SUBSCRIBE, 0, 5),
    child(EXTEND_MESSAGE, 0, 1),
    SignatureSpec(required=False),
)
# Inventory, cancellation, return and warehouse entry must be signed (ds:Signature minOccurs=1).
SIGNED_ENVELOPE = (*ENVELOPE[:3], SignatureSpec(required=True))

# ---- message roots ---------------------------------------------------------------------------------------

ORDER = node(
    "Order",
    child(ORDER_HEAD),
    child(ORDER_LIST, 1, 99),
)


CEB311 = message(
    "CEB311Message",
    child(ORDER, 1, 100),
    *ENVELOPE,
)


CEB312 = message(
    "CEB312Message",
    child(ORDER_RETURN, 1, 100),
)


PAYMENT = node(
    "Payment",
    child(PAYMENT_HEAD),
)


CEB411 = message(
    "CEB411Message",
    child(PAYMENT, 1, 100),
    *ENVELOPE,
)


CEB412 = message(
    "CEB412Message",
    child(PAYMENT_RETURN, 1, 100),
)


LOGISTICS = node(
    "Logistics",
    child(LOGISTICS_HEAD),
)


CEB511 = message(
    "CEB511Message",
    child(LOGISTICS, 1, 100),
    *ENVELOPE,
)


CEB512 = message(
    "CEB512Message",
    child(LOGISTICS_RETURN, 1, 100),
)


CEB513 = message(
    "CEB513Message",
    child(LOGISTICS_STATUS, 1, 100),
    *ENVELOPE,
)


CEB514 = message(
    "CEB514Message",
    child(LOGISTICS_STATUS_RETURN, 1, 100),
)


INVENTORY = node(
    "Inventory",
    child(INVENTORY_HEAD),
    child(INVENTORY_LIST, 1, 99),
)


CEB621 = message(
    "CEB621Message",
    child(INVENTORY, 1, 100),
    *SIGNED_ENVELOPE,
)


CEB622 = message(
    "CEB622Message",
    child(INVENTORY_RETURN, 1, 100),
)


CEB623 = message(
    "CEB623Message",
    child(INVT_CANCEL, 1, 100),
    *SIGNED_ENVELOPE,
)


CEB624 = message(
    "CEB624Message",
    child(INVT_CANCEL_RETURN, 1, 100),
)


INVT_REFUND = node(
    "InvtRefund",
    child(INVT_REFUND_HEAD),
    child(INVT_REFUND_LIST, 1, 99),
)


CEB625 = message(
    "CEB625Message",
    child(INVT_REFUND, 1, 100),
    *SIGNED_ENVELOPE,
)


CEB626 = message(
    "CEB626Message",
    child(INVT_REFUND_RETURN, 1, 100),
)


DELIVERY = node(
    "Delivery",
    child(DELIVERY_HEAD),
    child(DELIVERY_LIST, 1, None),
)


CEB711 = message(
    "CEB711Message",
    child(DELIVERY),
    *SIGNED_ENVELOPE,
)


CEB712 = message(
    "CEB712Message",
    child(DELIVERY_RETURN, 1, 100),
)


# ---- customs-side messages beyond the brief: tax slips (816, 818) and the format-check receipt (900) ------

MESSAGE_RETURN = node(
    "MessageReturn",  # 报文格式校验回执实体
    F("guid", "C36"),  # 36位唯一序号
    F("returnStatus", "C1..10"),  # 小于0数字表示报文格式校验异常。
    F("returnInfo", "C..5000"),  # 回执详细信息
    F("returnTime", "T17"),  # 操作时间(格式:YYYYMMDDhhmmssSSS)
    F("oriCopMsgId", "C..255"),  # 原始传输报文的copMsgId
    F("oriMessageType", "C..15"),  # 原始报文的报文类型，如CEB311Message，未知类型为Unknown
    F("oriBizMessage", "C"),  # 原始报文内容
)


TAX_HEAD_STATUS = node(
    "TaxHeadStatus",  # 电子税单状态表头实体
    F("guid", "C36"),  # 36位系统唯一序号（英文字母大写）
    F("returnTime", "T17"),  # 回执时间,格式:YYYYMMDDhhmmssSSS
    F("invtNo", "C1..18"),  # 进境清单编号，海关审结生成标识清单的编号（4位关区+4位年+1位进出口标记+9位流水号…
    F("taxNo", "C1..50"),  # 电子税单编号
    F("status", "C1"),  # 税单状态（(1-已生成，2-已汇总 3-作废)）
    F("entDutyNo", "C..50?"),  # 缴款书编号
    F("assureCode", "C..64?"),  # 担保企业代码
)


TAX_HEAD_RD = node(
    "TaxHeadRd",  # 电子税单表头实体
    F("guid", "C36"),  # 36位系统唯一序号（英文字母大写）
    F("returnTime", "T17"),  # 回执时间,格式:YYYYMMDDhhmmssSSS
    F("invtNo", "C1..18"),  # 进境清单编号，海关审结生成标识清单的编号（4位关区+4位年+1位进出口标记+9位流水号…
    F("taxNo", "C1..50"),  # 电子税单编号
    F("customsTax", "N19,5"),  # 应征关税
    F("valueAddedTax", "N19,5"),  # 应征增值税
    F("consumptionTax", "N19,5"),  # 应征消费税
    F("status", "C1"),  # 税单状态（(1-已生成，2-已汇总 3-作废)）
    F("entDutyNo", "C..50?"),  # 缴款书编号
    F("note", "C..1000?"),  # 备注
    F("assureCode", "C..64?"),  # 担保企业代码
    F("ebcCode", "C..64?"),  # 电商企业代码
    F("logisticsCode", "C..64?"),  # 物流企业代码
    F("agentCode", "C1..18?"),  # 申报单位代码,10位海关代码或者18位信用代码
    F("customsCode", "C4?"),  # 申报口岸
)


TAX_LIST_RD = node(
    "TaxListRd",  # 电子税单表体实体
    F("gnum", "I"),  # 商品项号,从1开始连续序号
    F("gcode", "C10"),  # 海关商品编码（10位）
    F("taxPrice", "N19,5"),  # 完税总价格
    F("customsTax", "N19,5"),  # 应征关税
    F("valueAddedTax", "N19,5"),  # 应征增值税
    F("consumptionTax", "N19,5"),  # 应征消费税
)


TAX_RD = node(
    "Tax",
    child(TAX_HEAD_RD),
    child(TAX_LIST_RD, 1, 99),
)

CEB816 = message(
    "CEB816Message",  # 电子税单回执
    child(TAX_RD, 1, None),
)

# Same element name "Tax" as in CEB816, different content.
TAX_STATUS = node(
    "Tax",
    child(TAX_HEAD_STATUS),
)

CEB818 = message(
    "CEB818Message",
    child(TAX_STATUS, 1, None),
)

CEB900 = message(
    "CEB900Message",
    child(MESSAGE_RETURN),
)

MESSAGES: dict[str, MessageSpec] = {
    spec.name: spec
    for spec in (
        CEB311,
        CEB312,
        CEB411,
        CEB412,
        CEB511,
        CEB512,
        CEB513,
        CEB514,
        CEB621,
        CEB622,
        CEB623,
        CEB624,
        CEB625,
        CEB626,
        CEB711,
        CEB712,
        CEB816,
        CEB818,
        CEB900,
    )
}
"""Import message roots by element name (``CEB311Message`` …)."""
