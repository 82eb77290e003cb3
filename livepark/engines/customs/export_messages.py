"""CEB export messages (跨境电商出口统一版, 2018-05), transcribed by hand from ``ceb-export.xsd``.

Same table format as `import_messages` (see `model.F` for the type codes). Differences from the import schema
worth knowing: ``Logistics`` and ``Receipts`` are flat nodes (no head/list), ``ds:Signature`` comes *before*
``ExtendMessage``, no message requires a signature, receipts and CEB792 carry no ``BaseTransfer``, some
fields carry XSD ``default`` values (``appStatus`` 2, ``freight`` 0) instead of the import's fixed currency,
and ``gnum`` is ``xs:int`` limited to 5 digits.
"""

from __future__ import annotations

from functools import partial

from .model import F, MessageSpec, SignatureSpec, child, node
from .model import message as _message

message = partial(_message, direction="export", xsd="ceb-export.xsd")

# ---- business nodes ------------------------------------------------------------------------------------

ORDER_HEAD = node(
    "OrderHead",  # 订单表头
    F("guid", "C36"),  # 系统唯一序号-企业系统生成36位唯一序号（英文字母大写）
    F("appType", "C1"),  # 报送类型-企业报送类型。1-新增 2-变更 3-删除。
    F("appTime", "T14"),  # 报送时间-企业报送时间。格式:YYYYMMDDhhmmss。
    F("appStatus", "C1", default="2"),  # 报送状态-企业报送状态。1-暂存,2-申报。
    F("orderType", "C1"),  # 订单类型-电商平台的订单类型 I-进口商品订单；E-出口商品订单
    F("orderNo", "C1..60"),  # 订单编号-交易平台的订单编号，同一交易平台的订单编号应唯一
    F("ebpCode", "C1..50"),  # 电商平台代码-电商平台的海关注册登记编号。
    F("ebpName", "C1..100"),  # 电商平台名称-电商平台的海关注册登记名称。
    F("ebcCode", "C1..18"),  # 电商企业代码-电商企业的海关注册登记编号(10位海关编码或18位统一社会信用代码)
    F("ebcName", "C1..100"),  # 电商企业名称-电商企业的海关注册登记名称，对应清单的收发货人
    F("goodsValue", "N19,5"),  # 商品金额-商品实际成交价FOB(不含运杂费)，含非现金抵扣金额
    F("freight", "N19,5", default="0"),  # 运杂费-运杂费，无则填写"0"。
    F("currency", "C3"),  # 币制-海关标准的参数代码 《JGS-20 海关业务代码集》- 货币代码
    F("note", "C..1000?"),  # 备注
)


ORDER_LIST = node(
    "OrderList",  # 订单商品表体
    F("gnum", "I5"),  # 序号-从1开始的递增序号（与清单的商品项关联对应）
    F("itemNo", "C1..30"),  # 企业商品货号-企业自定义的商品货号
    F("itemName", "C1..250"),  # 企业商品名称-同一类商品的中文名称。任何一种具体商品可以并只能归入表中的一个…
    F("itemDescribe", "C..1000?"),  # 企业商品描述-电商平台上架的商品描述宣传信息
    F("barCode", "C..50?"),  # 条形码-商品条形码一般由前缀部分、制造厂商代码、商品代码和校验码组成。
    F("unit", "C3"),  # 计量单位-海关标准的参数代码 海关标准的参数代码 《JGS-20 海关业务代码集》，计量单位代码
    F("currency", "C3"),  # 币制-海关标准的参数代码 海关标准的参数代码 《JGS-20 海关业务代码集》- 货币代码
    F("qty", "N19,5"),  # 数量
    F("price", "N19,5"),  # 单价
    F("totalPrice", "N19,5"),  # 总价
    F("note", "C..1000?"),  # 备注
)


ORDER_RETURN = node(
    "OrderReturn",  # 电子订单回执实体
    F("guid", "C36"),  # 系统唯一序号-电子口岸系统生成36位唯一序号（英文字母大写）
    F("ebpCode", "C1..50"),  # 电商平台代码-电商平台的海关注册登记编号。
    F("ebcCode", "C..18"),  # 电商企业代码-电商企业的海关注册登记编号。
    F("orderNo", "C..60"),  # 订单编号-交易平台的订单编号，同一交易平台的订单编号应唯一。订单编号长度不能超过…
    F("returnStatus", "C1..10"),  # 回执状态-操作结果（1电子口岸已暂存/2电子口岸申报中/3发送海关成功/4发送海…
    F("returnTime", "T17"),  # 回执时间-操作时间(格式：yyyyMMddHHmmssfff)
    F("returnInfo", "C..1000"),  # 回执信息（如:退单原因）
)


RECEIPTS = node(
    "Receipts",  # 收款单数据实体
    F("guid", "C36"),  # 系统唯一序号-企业系统生成36位唯一序号（英文字母大写）
    F("appType", "C1"),  # 报送类型-企业报送类型。1-新增 2-变更 3-删除。
    F("appTime", "T14"),  # 报送时间-企业报送时间。格式:YYYYMMDDhhmmss。
    F("appStatus", "C1", default="2"),  # 报送状态-企业报送状态。1-暂存,2-申报。
    F("ebpCode", "C1..50"),  # 电商平台代码-电商平台的海关注册登记编号。
    F("ebpName", "C1..100"),  # 电商平台名称-电商平台的海关注册登记名称。
    F("ebcCode", "C1..18"),  # 电商企业代码-电商企业的海关注册登记编号(10位海关编码或18位统一社会信用代码)
    F("ebcName", "C1..100"),  # 电商企业名称-电商企业的海关注册登记名称，对应清单的收发货人
    F("orderNo", "C1..60"),  # 订单编号-电商平台的交易订单编号
    F("payCode", "C..18?"),  # 支付企业代码-支付企业的海关编码,国内企业必填。
    F("payName", "C1..100"),  # 支付企业名称-支付企业名称,非线上支付填"现金支付"
    F("payNo", "C..60?"),  # 支付交易编号
    F("charge", "N19,5"),  # 收款金额-支付企业的订单交易金额
    F("currency", "C3"),  # 币制-海关标准的参数代码
    F("accountingDate", "T14"),  # 到账时间 格式:YYYYMMDDhhmmss
    F("note", "C..1000?"),  # 备注
)


RECEIPTS_RETURN = node(
    "ReceiptsReturn",  # 收款单回执实体
    F("guid", "C36"),  # 系统唯一序号-电子口岸系统生成36位唯一序号（英文字母大写）
    F("ebcCode", "C..18"),  # 电商企业代码-电商企业的10位海关代码或者18位信用代码
    F("orderNo", "C..60"),  # 订单编号-交易平台的订单编号，同一交易平台的订单编号应唯一。订单编号长度不能超过…
    F("payNo", "C..60?"),  # 支付交易编号-支付交易编号
    F("returnStatus", "C1..10"),  # 回执状态-操作结果（1电子口岸已暂存/2电子口岸申报中/3发送海关成功/4发送海…
    F("returnTime", "T17"),  # 回执时间-操作时间(格式:yyyyMMddHHmmssfff)
    F("returnInfo", "C..1000"),  # 回执信息（如:退单原因）
)


LOGISTICS = node(
    "Logistics",  # 物流运单数据实体
    F("guid", "C36"),  # 系统唯一序号-企业系统生成36位唯一序号（英文字母大写）
    F("appType", "C1"),  # 报送类型-企业报送类型。1-新增 2-变更 3-删除。
    F("appTime", "T14"),  # 报送时间-企业报送时间。格式:YYYYMMDDhhmmss。
    F("appStatus", "C1", default="2"),  # 报送状态-企业报送状态。1-暂存,2-申报。
    F("logisticsCode", "C1..18"),  # 物流企业代码-物流企业的10位海关代码或者18位统一社会信用代码
    F("logisticsName", "C1..100"),  # 物流企业名称-物流企业的海关登记名称
    F("logisticsNo", "C1..80"),  # 物流运单编号-物流企业的运单包裹面单号（提运单号+运单编号形成唯一编号）
    F("freight", "N19,5"),  # 运费-货物运输费用
    F("insuredFee", "N19,5"),  # 保价费-货物保险费用
    F("currency", "C3"),  # 币制-海关标准的参数代码 《JGS-20 海关业务代码集》- 货币代码
    F("grossWeight", "N19,5"),  # 毛重-单位为千克
    F("packNo", "I9"),  # 件数-单个运单下包裹数
    F("goodsInfo", "C1..200"),  # 主要货物信息-物流企业可验视的商品信息
    F("ebcCode", "C..18?"),  # 收发货人代码-电商企业的10位海关代码或者18位信用代码
    F("ebcName", "C..100?"),  # 收发货人名称-电商企业的海关备案名称（电子口岸校验名称）
    F("ebcTelephone", "C..50?"),  # 收发货人电话
    F("note", "C..1000?"),  # 备注
)


LOGISTICS_RETURN = node(
    "LogisticsReturn",  # 物流运单回执实体
    F("guid", "C36"),  # 系统唯一序号-电子口岸生成36位唯一序号（英文字母大写）
    F("logisticsCode", "C..18"),  # 物流企业代码-物流企业的海关注册登记编号。
    F("logisticsNo", "C..80"),  # 物流运单编号-物流企业的运单包裹面单号。同一物流企业的运单编号在6个月内不重…
    F("returnStatus", "C1..10"),  # 回执状态-操作结果（1电子口岸已暂存/2电子口岸申报中/3发送海关成功/4发送海…
    F("returnTime", "T17"),  # 回执时间-操作时间(格式:yyyyMMddHHmmssfff)
    F("returnInfo", "C..1000"),  # 回执信息（如:退单原因）
)


ARRIVAL_HEAD = node(
    "ArrivalHead",  # 物流运抵单表头
    F("guid", "C36"),  # 系统唯一序号-企业系统生成36位唯一序号（英文字母大写）
    F("appType", "C1"),  # 报送类型-企业报送类型。1-新增 2-变更 3-删除。
    F("appTime", "T14"),  # 报送时间-企业报送时间。格式:YYYYMMDDhhmmss。
    F("appStatus", "C1", default="1"),  # 报送状态-企业报送状态。1-暂存,2-申报。
    F("customsCode", "C4"),  # 申报地海关代码-办理通关手续的4位海关编号
    F("copNo", "C1..30"),  # 企业内部标识单证的编号
    F("preNo", "C18?"),  # 预录入编号-电子口岸标识单证的编号
    F("operatorCode", "C1..18"),  # 监管场所经营人代码-监管场所经营人在海关注册登记的编号。邮路运输用邮政物流…
    F("operatorName", "C1..100"),  # 监管场所经营人名称-监管场所经营人在海关注册登记的名称。邮路运输用邮政物…
    F("loctNo", "C..10?"),  # 监管场所代码-同一申报地海关下有多个跨境电子商务的监管场所,需要填写区分
    F("ieFlag", "C1"),  # 进出口标记-I进口/E出口
    F("trafMode", "C1"),  # 运输方式-填写海关标准的参数代码，参照《JGS-20 海关业务代码集》- 运输方式代码。直…
    F("billNo", "C..37?"),  # 提运单号-货物提单或运单的海运提单、空运总单或汽车载货清单。邮路运输方可为空。
    F("domesticTrafNo", "C1..100"),  # 境内运输工具编号-运往海关监管场所的运输工具编号，例如车牌号
    F("logisticsCode", "C1..18"),  # 物流企业代码-物流企业的海关注册登记编号
    F("logisticsName", "C1..100"),  # 物流企业名称-物流企业的海关注册登记名称
    F("msgCount", "I9"),  # 报文总数-拆分后的报文总数。未拆分的不填，拆分的填实际数量。
    F("msgSeqNo", "I9"),  # 报文序号-当前报文序号，以1开始的报文顺序号。未拆分的不填，拆分的报文需要连续编号…
    F("note", "C..1000?"),  # 备注
)


ARRIVAL_LIST = node(
    "ArrivalList",  # 物流运抵单表体（允许为空）
    F("gnum", "I5"),  # 序号-从1开始的递增序号
    F("logisticsNo", "C1..80"),  # 物流运单编号-物流企业的运单包裹面单号
    F("totalPackageNo", "C..37?"),  # 总包号-物流企业对于一个提运单下含有多个大包的托盘编号（邮件为邮袋号）
    F("note", "C..1000?"),  # 备注
)


ARRIVAL_RETURN = node(
    "ArrivalReturn",  # 物流运抵单回执实体
    F("guid", "C36"),  # 系统唯一序号-电子口岸生成36位唯一序号（英文字母大写）
    F("operatorCode", "C..18"),  # 监管场所经营人代码-监管场所经营人在海关注册登记的编号
    F("logisticsCode", "C..18"),  # 物流企业代码-物流企业的海关注册登记编号
    F("preNo", "C18"),  # 预录入编号-电子口岸标识单证的编号
    F("copNo", "C..30"),  # 企业唯一编号-企业唯一标识单证的编号
    F("billNo", "C..37"),  # 提运单号-提单或总运单的编号
    F("msgSeqNo", "I9"),  # 报文序号-当前报文序号，以1开始的报文顺序号。未拆分的不填，拆分的报文需要连续编号…
    F("returnStatus", "C1..10"),  # 回执状态-操作结果（1电子口岸已暂存/2电子口岸申报中/3发送海关成功/4发送海…
    F("returnTime", "T17"),  # 回执时间-操作时间(格式:yyyyMMddHHmmssfff)
    F("returnInfo", "C..1000"),  # 回执信息（如:退单原因）
)


DEPARTURE_HEAD = node(
    "DepartureHead",  # 物流离境单表头数据
    F("guid", "C36"),  # 36位系统唯一序号（英文字母大写）
    F("appType", "C1"),  # 申报类型:1-新增;2-变更;3-删除，默认为1
    F("appTime", "T14"),  # 业务时间,格式:YYYYMMDDhhmmss
    F("appStatus", "C1"),  # 企业报送状态-企业报送状态。1-暂存,2-申报。
    F("customsCode", "C4"),  # 办理通关手续的4位海关编号
    F("copNo", "C1..30"),  # 企业唯一编号
    F("preNo", "C18?"),  # 预录入编号-电子口岸标识单证的编号
    F("logisticsCode", "C1..18"),  # 物流企业代码,10位海关代码或者18位信用代码
    F("logisticsName", "C1..100"),  # 物流企业名称
    F("trafMode", "C1"),  # 运输方式
    F("trafName", "C..100?"),  # 运输工具名称
    F("voyageNo", "C..32?"),  # 航班航次号
    F("billNo", "C..37?"),  # 提运单号,物流企业提供
    F("leaveTime", "T14"),  # 离境时间
    F("msgCount", "I9"),  # 报文总数-拆分后的报文总数。未拆分的不填，拆分的填实际数量。
    F("msgSeqNo", "I9"),  # 报文序号-当前报文序号，以1开始的报文顺序号。未拆分的不填，拆分的报文需要连续编号…
    F("note", "C..1000?"),  # 备注
)


DEPARTURE_LIST = node(
    "DepartureList",  # 物流离境单表体类
    F("gnum", "I5"),  # 序号
    F("totalPackageNo", "C..37?"),  # 总包号
    F("logisticsNo", "C1..80"),  # 物流运单号
    F("note", "C..1000?"),  # 备注
)


DEPARTURE_RETURN = node(
    "DepartureReturn",  # 物流离境回执类
    F("guid", "C36"),  # 36位系统唯一序号（英文字母大写）
    F("logisticsCode", "C..18"),  # 物流企业代码,10位海关代码或者18位信用代码
    F("copNo", "C..30"),  # 企业唯一编号
    F("preNo", "C18"),  # 预录入编号-电子口岸标识单证的编号
    F("msgSeqNo", "I9"),  # 报文序号-当前报文序号，以1开始的报文顺序号。未拆分的不填，拆分的报文需要连续编号…
    F("returnStatus", "C..10"),  # 回执状态
    F("returnTime", "T17"),  # 回执时间,格式YYYYMMDDhhmmssfff
    F("returnInfo", "C..1000"),  # 回执信息（如:退单原因）
)


INVENTORY_HEAD = node(
    "InventoryHead",  # 出口清单表头类
    F("guid", "C36"),  # 36位系统唯一序号（英文字母大写）
    F("appType", "C1"),  # 申报类型:1-新增;2-变更;3-删除，默认为1
    F("appTime", "T14"),  # 业务时间,格式:YYYYMMDDhhmmss
    F("appStatus", "C1"),  # 企业报送状态。1-暂存,2-申报。
    F("customsCode", "C4"),  # 申报海关代码,办理通关手续的4位海关编号
    F("ebpCode", "C1..50"),  # 电商平台代码-电商平台的海关注册登记编号。
    F("ebpName", "C1..100"),  # 电商平台名称-电商平台的海关注册登记名称。
    F("orderNo", "C1..60"),  # 订单编号,电商平台原始订单编号
    F("logisticsCode", "C1..18"),  # 物流企业代码。10位海关代码或者18位信用代码
    F("logisticsName", "C1..100"),  # 物流企业名称
    F("logisticsNo", "C1..80"),  # 物流运单编号
    F("copNo", "C1..30"),  # 企业唯一编号
    F("preNo", "C18?"),  # 预录入编号-电子口岸标识单证的编号
    F("invtNo", "C18?"),  # 清单编号
    F("ieFlag", "C1"),  # 进出口标志,I/E标志
    F("portCode", "C4"),  # 出口口岸海关代码,海关参数代码
    F("ieDate", "D8"),  # 出口日期。时间格式:YYYYMMDD
    F("statisticsFlag", "C1"),  # 申报业务类型：A-简化申报;B-汇总申报；若采用A简化申报，则要求商品不涉许可证…
    F("agentCode", "C1..18"),  # 报关企业代码.10位海关代码或者18位信用代码
    F("agentName", "C1..100"),  # 报关企业名称
    F("ebcCode", "C1..18"),  # 收发货人代码。10位海关代码或者18位信用代码
    F("ebcName", "C1..100"),  # 收发货人名称。电商企业的海关注册登记名称。
    F("ownerCode", "C1..18"),  # 生产销售单位代码。实际发货人的企业的10位海关代码或者18位信用代码
    F("ownerName", "C1..100"),  # 生产销售单位名称。实际发货人的企业名称。
    F("iacCode", "C..18?"),  # 区内企业代码 特殊区域模式必填
    F("iacName", "C..100?"),  # 特殊区域内仓储企业代码，特殊区域出口模式必填
    F("emsNo", "C..30?"),  # 账册编号
    F("tradeMode", "C4"),  # 贸易方式。一般出口为9610,特殊区域出口为1210/1239
    F("trafMode", "C1"),  # 运输方式代码。海关标准的参数代码 《JGS-20 海关业务代码集》- 运输方式代码
    F("trafName", "C..100?"),  # 运输工具名称。货物进出境的运输工具的名称或运输工具编号。填报内容应与运输部门…
    F("voyageNo", "C..32?"),  # 航班航次号,物流企业提供
    F("billNo", "C..37?"),  # 提运单号,物流企业提供
    F("totalPackageNo", "C..60?"),  # 总包号。对于提运单下含有多个大包的托盘编号（邮件为邮件总包号/邮袋号）。…
    F("loctNo", "C..10?"),  # 监管场所代码
    F("licenseNo", "C..19?"),  # 许可证号
    F("country", "C3"),  # 运抵国（地区）,海关参数代码
    F("POD", "C3..4"),  # 指运港代码。出口运往境外的最终目的港的标识代码。最终目的港不可预知时，应尽可能按预…
    F("freight", "N19,5"),  # 运费
    F("fCurrency", "C3"),  # 运费币制。海关参数代码
    F("fFlag", "C1"),  # 运费标志。海关参数代码 1-率，2-单价，3-总价
    F("insuredFee", "N19,5"),  # 保费
    F("iCurrency", "C3"),  # 保费币制。海关参数代码
    F("iFlag", "C1"),  # 保费标志.海关参数代码 1-率，2-单价，3-总价
    F("wrapType", "C1"),  # 包装种类代码
    F("packNo", "I9"),  # 件数(包裹数)
    F("grossWeight", "N19,5"),  # 毛重（千克）
    F("netWeight", "N19,5"),  # 净重（千克）
    F("note", "C..1000?"),  # 备注
)


INVENTORY_LIST = node(
    "InventoryList",  # 出口清单表体项类
    F("gnum", "I5"),  # 商品项号,从1开始连续序号
    F("itemNo", "C1..20"),  # 企业商品编号
    F("itemRecordNo", "C..30?"),  # 保税出口模式必填
    F("itemName", "C..250?"),  # 企业自定义的商品名称，汇总后用于退税品名
    F("gcode", "C10"),  # 海关商品编码（10位）
    F("gname", "C1..250"),  # 商品名称
    F("gmodel", "C1..250"),  # 规格型号
    F("barCode", "C1..50"),  # 条形码
    F("country", "C3"),  # 最终目的国（地区）代码
    F("currency", "C3"),  # 币制代码
    F("qty", "N19,5"),  # 申报数量
    F("qty1", "N19,5"),  # 法定数量
    F("qty2", "N19,5?"),  # 第二数量
    F("unit", "C3"),  # 申报计量单位,海关参数代码
    F("unit1", "C3"),  # 法定计量单位,海关参数代码
    F("unit2", "C3?"),  # 第二计量单位,海关参数代码
    F("price", "N19,5"),  # 单价
    F("totalPrice", "N19,5"),  # 总价
    F("note", "C..1000?"),  # 备注
)


INVENTORY_RETURN = node(
    "InventoryReturn",  # 出口清单回执类
    F("guid", "C36"),  # 36位系统唯一序号（英文字母大写）
    F("agentCode", "C..18"),  # 申报企业代码
    F("copNo", "C..30"),  # 企业内部生成标识清单的编号
    F("preNo", "C18"),  # 预录入编号-电子口岸标识单证的编号
    F("invtNo", "C18"),  # 出境清单编号,海关审结生成标识清单的编号（4位关区+4位年+1位进出口标记+9位流水号）
    F("ebcCode", "C..18"),  # 收发货人代码-电商（发货）企业的海关注册登记编号(10位海关编码或18位统一社会信用…
    F("ebpCode", "C1..50"),  # 电商平台代码-电商平台的海关注册登记编号。
    F("orderNo", "C..60"),  # 订单编号-交易平台的订单编号，同一交易平台的订单编号应唯一。订单编号长度不能超过…
    F("statisticsFlag", "C1"),  # 申报业务类型-A-简化申报;B-汇总申报；若采用A简化申报，则要求商品不涉许可证、…
    F("returnStatus", "C1..10"),  # 操作结果（1电子口岸已暂存/2电子口岸申报中/3发送海关成功/4发送海关失败/100…
    F("returnTime", "T17"),  # 回执时间,格式YYYYMMDDhhmmssfff
    F("returnInfo", "C..1000"),  # 回执信息（如:退单原因）
)


INVT_CANCEL = node(
    "InvtCancel",  # 撤销申请单类
    F("guid", "C36"),  # 36位系统唯一序号（英文字母大写）
    F("appType", "C1"),  # 申报类型:1-新增;2-变更;3-删除，默认为1
    F("appTime", "T14"),  # 业务时间,格式:YYYYMMDDhhmmss
    F("appStatus", "C1"),  # 企业报送状态。1-暂存,2-申报。
    F("customsCode", "C4"),  # 申报海关代码
    F("copNo", "C1..30"),  # 企业内部生成标识清单的编号
    F("preNo", "C18?"),  # 预录入编号-电子口岸标识单证的编号
    F("invtNo", "C18"),  # 出境清单编号，海关审结生成标识清单的编号（4位关区+4位年+1位进出口标记+9位流水号）
    F("reason", "C1..1000"),  # 原因
    F("agentCode", "C1..18"),  # 申报单位代码,10位海关代码或者18位信用代码
    F("agentName", "C1..100"),  # 申报单位名称
    F("ebcCode", "C1..18"),  # 收发货人代码。电商企业的10位海关代码或者18位信用代码。
    F("ebcName", "C1..100"),  # 收发货人名称。电商企业的海关注册登记名称。
    F("note", "C..1000?"),  # 备注
)


INVT_CANCEL_RETURN = node(
    "InvtCancelReturn",  # 撤销申请单回执类
    F("guid", "C36"),  # 36位系统唯一序号（英文字母大写）
    F("agentCode", "C..18"),  # 申报企业代码
    F("copNo", "C..30"),  # 企业内部生成标识清单的编号
    F("preNo", "C18"),  # 预录入编号-电子口岸标识单证的编号
    F("invtNo", "C18"),  # 出境清单编号,海关审结生成标识清单的编号（4位关区+4位年+1位进出口标记+9位流水号）
    F("returnStatus", "C1..10"),  # 操作结果（1电子口岸已暂存/2电子口岸申报中/3发送海关成功/4发送海关失败/100…
    F("returnTime", "T17"),  # 回执时间,格式YYYYMMDDhhmmssfff
    F("returnInfo", "C..1000"),  # 回执信息（如:退单原因）
)


WAY_BILL_HEAD = node(
    "WayBillHead",  # 清单总分单数据
    F("guid", "C36"),  # 36位系统唯一序号（英文字母大写）
    F("appType", "C1"),  # 申报类型:1-新增;2-变更;3-删除，默认为1
    F("appTime", "T14"),  # 业务时间,格式:YYYYMMDDhhmmss
    F("appStatus", "C1"),  # 企业报送状态。1-暂存,2-申报,默认为1。填写2时需要业务加签申报即Signature节点必须…
    F("customsCode", "C4"),  # 申报海关代码,办理通关手续的4位海关编号
    F("copNo", "C1..30"),  # 企业唯一编号-企业生成标识唯一编号
    F("preNo", "C18?"),  # 预录入编号-电子口岸标识单证的编号
    F("agentCode", "C1..18"),  # 申报企业代码-申报单位的海关注册登记编号或统一社会信用代码
    F("agentName", "C1..100"),  # 申报企业名称
    F("loctNo", "C..10?"),  # 监管场所代码
    F("trafMode", "C1"),  # 运输方式代码,海关参数代码
    F("trafName", "C1..100"),  # 运输工具名称
    F("voyageNo", "C1..32"),  # 航班航次号,物流企业提供
    F("billNo", "C1..37"),  # 提运单号,物流企业提供
    F("domesticTrafNo", "C..100?"),  # 境内运输工具编号-运往海关监管场所的运输工具编号，例如车牌号
    F("grossWeight", "N19,5"),  # 毛重（千克）
    F("logisticsCode", "C1..18"),  # 物流企业代码,10位海关代码或者18位信用代码
    F("logisticsName", "C1..100"),  # 物流企业名称
    F("msgCount", "I9"),  # 拆分后的报文数-未拆分的不填，拆分的填实际数量。
    F("msgSeqNo", "I9"),  # 报文序号 以1开始的报文顺序号。未拆分的不填，拆分的报文需要连续编号，不得跳号。
    F("note", "C..1000?"),  # 备注
)


WAY_BILL_LIST = node(
    "WayBillList",  # 清单总分单表体
    F("gnum", "I5"),  # 项号,从1开始连续序号
    F("totalPackageNo", "C..60?"),  # 总包号。物流企业对于一个提运单下含有多个大包的托盘编号（邮件为邮袋号）。
    F("logisticsNo", "C1..80"),  # 物流运单编号
    F("invtNo", "C18?"),  # 原出口清单编号
    F("note", "C..1000?"),  # 备注
)


WAY_BILL_RETURN = node(
    "WayBillReturn",  # 清单总分单回执
    F("guid", "C36"),  # 36位系统唯一序号（英文字母大写）
    F("agentCode", "C..18"),  # 申报企业代码-10位海关代码或者18位信用代码
    F("logisticsCode", "C..18"),  # 物流企业代码,10位海关代码或者18位信用代码
    F("copNo", "C..30"),  # 企业生成标识唯一编号
    F("preNo", "C18"),  # 预录入编号-电子口岸标识单证的编号
    F("billNo", "C..37"),  # 提运单号,提单或总运单的编号
    F("msgSeqNo", "I9"),  # 报文序号-当前报文序号。以1开始的报文顺序号，未拆分的不填，拆分的报文需要连续编号…
    F("returnStatus", "C1..10"),  # 操作结果（1电子口岸已暂存/2电子口岸申报中/3发送海关成功/4发送海关失败/100…
    F("returnTime", "T17"),  # 回执时间,格式YYYYMMDDhhmmssfff
    F("returnInfo", "C..1000"),  # 回执信息（如:退单原因）
)


SUMMARY_APPLY_HEAD = node(
    "SummaryApplyHead",  # 汇总申请单表头
    F("guid", "C36"),  # 系统唯一序号-企业系统生成36位唯一序号（英文字母大写）
    F("appType", "C1"),  # 报送类型-企业报送类型。1-新增 2-变更 3-删除。
    F("appTime", "T14"),  # 报送时间-企业报送时间。格式:YYYYMMDDhhmmss。
    F("appStatus", "C1", default="2"),  # 报送状态-企业报送状态。1-暂存,2-申报。
    F("customsCode", "C4"),  # 申报地海关代码-4位海关编号。《海关关区代码》
    F("copNo", "C1..30"),  # 企业生成标识唯一编号
    F("preNo", "C..18?"),  # 预录入编号-电子口岸标识单证的编号
    F("sumNo", "C..18?"),  # 汇总申请编号-海关反馈生成的汇总申请编号
    F("agentCode", "C1..18"),  # 申报单位代码-申报单位的10位海关代码或者18位信用代码
    F("agentName", "C1..100"),  # 申报单位名称-申报单位的海关备案名称
    F("ebcCode", "C1..18"),  # 收发货人代码-电商企业的10位海关代码或者18位信用代码
    F("ebcName", "C1..100"),  # 收发货人名称-电商企业的海关备案名称
    F("declAgentCode", "C1..18"),  # 报关单位代码-报关单申报单位的10位海关代码或者18位信用代码
    F("declAgentName", "C1..100"),  # 报关单位名称-报关单申报单位的海关备案名称
    F("startTime", "T14?"),  # 汇总开始时间-汇总指定时间范围的清单，格式:YYYYMMDDhhmmss。填写须成对，结束时间…
    F("endTime", "T14?"),  # 汇总开始时间-汇总指定时间范围的清单，格式:YYYYMMDDhhmmss。填写须成对，结束时间须…
    F("loctNo", "C..10?"),  # 监管场所代码-针对同一申报地海关下有多个跨境电子商务的监管场所,需要填写区分
    F("summaryFlag", "C1"),  # 收发货人汇总标志-汇总标志 1:按收发货人单一汇总，2:按收发货人和生产销售单位汇总
    F("itemNameFlag", "C1"),  # 按商品名汇总标志-按企业商品名汇总标志,填1,按清单原始商品名相同汇总，不填则按…
    F("msgCount", "I9"),  # 报文总数-拆分后的报文总数。未拆分的不填，拆分的填实际数量。
    F("msgSeqNo", "I9"),  # 报文序号-当前报文序号。以1开始的报文顺序号，未拆分的不填，拆分的报文需要连续编号…
    F("note", "C..1000?"),  # 备注
)


SUMMARY_APPLY_LIST = node(
    "SummaryApplyList",  # 汇总申请单数据表体
    F("invtNo", "C18"),  # 清单编号
)


SUMMARY_RETURN = node(
    "SummaryReturn",  # 汇总申请单回执实体
    F("guid", "C36"),  # 系统唯一序号-电子口岸生成36位唯一序号（英文字母大写）
    F("agentCode", "C..18"),  # 申报企业代码-申报单位的10位海关代码或者18位信用代码
    F("ebcCode", "C..18"),  # 收发货人代码-电商企业的10位海关代码或者18位信用代码
    F("copNo", "C..30"),  # 企业唯一编号-企业生成标识唯一编号
    F("preNo", "C18"),  # 预录入编号-电子口岸标识单证的编号
    F("sumNo", "C18?"),  # 汇总申请编号-海关反馈生成的汇总申请编号
    F("msgSeqNo", "I9"),  # 报文序号-当前报文序号。以1开始的报文顺序号，未拆分的不填，拆分的报文需要连续编号…
    F("returnStatus", "C1..10"),  # 回执状态-操作结果（1电子口岸已暂存/2电子口岸申报中/3发送海关成功/4发送海…
    F("returnTime", "T17"),  # 回执时间-操作时间(格式:yyyyMMddHHmmssfff)
    F("returnInfo", "C..1000"),  # 回执信息-备注（如不通过原因）
)


SUMMARY_RESULT_HEAD = node(
    "SummaryResultHead",  # 汇总结果单表头
    F("guid", "C36"),  # 系统唯一序号-企业系统生成36位唯一序号（英文字母大写）
    F("customsCode", "C4"),  # 申报地海关代码-4位海关编号。《海关关区代码》
    F("sumNo", "C18"),  # 汇总申请编号-海关生成的汇总申请编号
    F("opDate", "T17"),  # 汇总处理时间-汇总处理时间，格式:YYYYMMDDhhmmssfff。
    F("declSeqNo", "C18"),  # 汇总统一编号-海关生成唯一对应报关单
    F("decTmpNo", "C18?"),  # 报关单暂存编号-电子口岸报关单暂存编号
    F("decPreNo", "C18?"),  # 报关单预录入编号-电子口岸报关单预录入编号
    F("entryId", "C18?"),  # 报关单编号-海关生成的报关单编号
    F("decState", "C1..3"),  # 报关单状态-报关单状态（具体返回值由海关确定）
    F("agentCode", "C..18"),  # 申报企业代码-申报单位的海关登记编号
    F("agentName", "C..100"),  # 申报企业名称-申报单位的海关登记名称
    F("ebcCode", "C..18"),  # 收发货人代码-收发货人（电商企业）的10位海关代码或者18位信用代码
    F("ebcName", "C..100"),  # 收发货人名称-收发货人（电商企业）的海关备案名称
    F("declAgentCode", "C..18"),  # 报关单位代码-后续报关单申报单位的海关注册登记编号或统一社会信用代码
    F("declAgentName", "C..100"),  # 报关单位名称-后续报关单申报单位的登记名称
    F("grossWeight", "N19,5"),  # 毛重（公斤）-货物及其包装材料的重量之和，计量单位为千克
    F("netWeight", "N19,5"),  # 净重（公斤）-货物的毛重减去外包装材料后的重量，即货物本身的实际重量，计量单位…
    F("msgCount", "I9"),  # 报文总数-拆分后的报文总数。未拆分的不填，拆分的填实际数量。
    F("msgSeqNo", "I9"),  # 报文序号-当前报文序号，以1开始的报文顺序号。未拆分的不填，拆分的报文需要连续编号…
    F("note", "C..1000?"),  # 备注
)


SUMMARY_RESULT_LIST = node(
    "SummaryResultList",  # 汇总结果单表体(允许可空)
    F("invtNo", "C18"),  # 清单编号
    F("logisticsNo", "C..80"),  # 物流运单编号
    F("gnum", "I5"),  # 清单商品项的序号
    F("gcode", "C10"),  # 清单商品编码
)


# ---- transport envelope ----------------------------------------------------------------------------

BASE_TRANSFER = node(
    "BaseTransfer",  # 基础报文传输实体（需要与实际客户端传输企业一致）
    F("copCode", "C..18"),  # 报文传输的企业代码（需要与接入客户端的企业身份一致）
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


# The export schema puts ds:Signature before ExtendMessage (the import schema has them the other way round).
ENVELOPE = (
    child(BASE_TRANSFER),
    child(BASE_SUBSCRIBE, 0, 5),
    SignatureSpec(required=False),
    child(EXTEND_MESSAGE, 0, 1),
)

# ---- message roots ---------------------------------------------------------------------------------------

ORDER = node(
    "Order",  # 电子订单数据实体
    child(ORDER_HEAD),
    child(ORDER_LIST, 1, 100),
)


CEB303 = message(
    "CEB303Message",
    child(ORDER, 1, 100),
    *ENVELOPE,
)


CEB304 = message(
    "CEB304Message",
    child(ORDER_RETURN, 1, 100),
)


CEB403 = message(
    "CEB403Message",
    child(RECEIPTS, 1, 100),
    *ENVELOPE,
)


CEB404 = message(
    "CEB404Message",
    child(RECEIPTS_RETURN, 1, 100),
)


CEB505 = message(
    "CEB505Message",
    child(LOGISTICS, 1, 100),
    *ENVELOPE,
)


CEB506 = message(
    "CEB506Message",
    child(LOGISTICS_RETURN, 1, 100),
)


ARRIVAL = node(
    "Arrival",  # 物流运抵单数据实体
    child(ARRIVAL_HEAD),
    child(ARRIVAL_LIST, 0, None),
)


CEB507 = message(
    "CEB507Message",
    child(ARRIVAL, 1, 100),
    *ENVELOPE,
)


CEB508 = message(
    "CEB508Message",
    child(ARRIVAL_RETURN, 1, 100),
)


DEPARTURE = node(
    "Departure",  # 物流离境单数据
    child(DEPARTURE_HEAD),
    child(DEPARTURE_LIST, 1, 100),
)


CEB509 = message(
    "CEB509Message",
    child(DEPARTURE, 1, 100),
    *ENVELOPE,
)


CEB510 = message(
    "CEB510Message",
    child(DEPARTURE_RETURN, 1, 100),
)


INVENTORY = node(
    "Inventory",  # 出口清单类
    child(INVENTORY_HEAD),
    child(INVENTORY_LIST, 1, 100),
)


CEB603 = message(
    "CEB603Message",
    child(INVENTORY, 1, 100),
    *ENVELOPE,
)


CEB604 = message(
    "CEB604Message",
    child(INVENTORY_RETURN, 1, 100),
)


CEB605 = message(
    "CEB605Message",
    child(INVT_CANCEL, 1, 100),
    *ENVELOPE,
)


CEB606 = message(
    "CEB606Message",
    child(INVT_CANCEL_RETURN, 1, 100),
)


WAY_BILL = node(
    "WayBill",  # 提运单类
    child(WAY_BILL_HEAD),
    child(WAY_BILL_LIST, 1, 100),
)


CEB607 = message(
    "CEB607Message",
    child(WAY_BILL, 1, 100),
    *ENVELOPE,
)


CEB608 = message(
    "CEB608Message",
    child(WAY_BILL_RETURN, 1, 100),
)


SUMMARY_APPLY = node(
    "SummaryApply",  # 汇总申请单数据实体
    child(SUMMARY_APPLY_HEAD),
    child(SUMMARY_APPLY_LIST, 1, 100),
)


CEB701 = message(
    "CEB701Message",
    child(SUMMARY_APPLY, 1, 100),
    *ENVELOPE,
)


CEB702 = message(
    "CEB702Message",
    child(SUMMARY_RETURN, 1, 100),
)


SUMMARY_RESULT = node(
    "SummaryResult",  # 汇总结果单数据实体
    child(SUMMARY_RESULT_HEAD),
    child(SUMMARY_RESULT_LIST, 0, 100),
)


CEB792 = message(
    "CEB792Message",
    child(SUMMARY_RESULT, 1, 100),
)

MESSAGES: dict[str, MessageSpec] = {
    spec.name: spec
    for spec in (
        CEB303,
        CEB304,
        CEB403,
        CEB404,
        CEB505,
        CEB506,
        CEB507,
        CEB508,
        CEB509,
        CEB510,
        CEB603,
        CEB604,
        CEB605,
        CEB606,
        CEB607,
        CEB608,
        CEB701,
        CEB702,
        CEB792,
    )
}
"""Export message roots by element name (``CEB303Message`` …)."""
