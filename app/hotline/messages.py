"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "address_ambiguous": (
        "地址可能对应多个地点，请选择：{names}",
        "The address fits several places; choose one: {names}",
    ),
    "address_not_precise": ("地址只能定位到 {name}，请补充社区", "The address only locates {name}; name the community"),
    "coordinates_outside_city": ("坐标不在本市范围内", "The coordinates are outside the city"),
    "elements_missing": ("受理要素不全，缺少：{missing}", "The order lacks required elements: {missing}"),
    "category_unclassifiable": (
        "无法根据描述判断事项分类，请选择分类",
        "The description gives no clue to the category; choose one",
    ),
    "work_order_type_unknown": ("工单类型须为 咨询、求助、投诉、举报、建议、表扬/感谢、其他 之一",
                                "The work order type must be one of consultation, help, complaint, report, "
                                "suggestion, praise, other"),
    "element_who": ("缺少诉求人：请留下姓名或称呼", "Who is asking is missing: a name or how to address them"),
    "element_where": ("缺少地点：请说明具体地址或所在社区", "Where is missing: an address or the community"),
    "element_what": ("缺少事项：请说明发生了什么", "What happened is missing"),
    "element_how": ("诉求描述过短：请说明具体情况和诉求",
                    "The description is too short: say what is wrong and what is asked"),
    "classifier_training_pending": (
        "分类模型版本 {version} 正在等待训练，请待其完成",
        "Classifier version {version} is waiting to be trained; wait for it",
    ),
    "classifier_model_not_found": ("分类模型版本 {version} 不存在", "Classifier version {version} does not exist"),
    "classifier_model_not_ready": (
        "分类模型版本 {version} 尚未训练完成（{status}），不能启用",
        "Classifier version {version} is not trained ({status}) and cannot be put in force",
    ),
    "classifier_model_in_force": (
        "分类模型版本 {version} 已在使用中", "Classifier version {version} is already in force",
    ),
    "classifier_model_worse": (
        "分类模型版本 {version} 的留出集首选准确率 {top1} 低于对比模型的 {baseline}；确认启用请加 accept_lower=true",
        "Classifier version {version} has a held-out top-1 of {top1}, below the {baseline} of the model it was "
        "measured against; to promote it anyway, pass accept_lower=true",
    ),
    "classifier_nothing_to_roll_back": (
        "当前使用的是内置分类模型，没有可回退的版本",
        "The shipped classifier is in force; there is no version to roll back",
    ),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "address_ambiguous": ("地址有歧义", "Ambiguous address"),
    "address_not_precise": ("地址不够具体", "Address not precise"),
    "elements_missing": ("受理要素不全", "Missing elements"),
    "classifier_training_pending": ("已有待训练的版本", "A version is waiting to be trained"),
    "classifier_model_not_found": ("分类模型版本不存在", "No such classifier version"),
    "classifier_model_not_ready": ("分类模型版本未训练完成", "Classifier version not trained"),
    "classifier_model_in_force": ("分类模型版本已在使用中", "Classifier version already in force"),
    "classifier_model_worse": ("新版本准确率低于对比模型", "The version is less accurate than the model compared"),
}
