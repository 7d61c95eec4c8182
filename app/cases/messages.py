"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "direct_answer_type_not_allowed": (
        "“{type}”类工单不能直接答复（可直办：{allowed}），请派单办理",
        "A {type} cannot be answered directly (allowed: {allowed}); dispatch it",
    ),
    "direct_answer_article_mismatch": (
        "知识库条目 {article} 不适用于事项分类 {category}，请选择该分类的条目或派单办理",
        "Article {article} does not cover category {category}; cite one that does, or dispatch the case",
    ),
    "unit_inactive": ("单位 {unit_id} 已停用", "Unit {unit_id} is inactive"),
    "case_not_found": ("工单不存在", "The case does not exist"),
    "kind_unknown": ("不支持的业务类型 {kind}", "Unknown case kind {kind}"),
    "action_unknown": ("未知操作 {action}", "Unknown action {action}"),
    "action_not_allowed": (
        "当前状态（{status}）下您不能执行“{action}”",
        "You cannot '{action}' while the case is {status}",
    ),
    "return_window_closed": (
        "退单须在派单后 {window} 内提出，期限已于 {until} 截止",
        "A return must be made within {window} of dispatch; the window closed at {until}",
    ),
    "return_same_unit": ("建议承办单位不能是本单位", "The suggested unit cannot be your own unit"),
    "extension_after_deadline": (
        "办理期限（{due}）已过，不能再申请延期",
        "The handling deadline ({due}) has passed; an extension can no longer be asked for",
    ),
    "extension_cap_exceeded": (
        "延期累计不得超过 {cap}，已批准 {granted}，本次申请 {requested}",
        "Extensions may total at most {cap}; {granted} granted, {requested} asked for",
    ),
    "extension_pending": ("已有待审批的延期申请", "An extension request is already pending"),
    "co_handler_duplicate": ("该单位已参与办理此工单", "That unit already works on this case"),
    "redispatch_same_unit": ("请选择与当前承办单位不同的单位", "Choose a unit other than the current lead"),
    "channel_not_allowed": ("您不能通过渠道 {channel} 创建此类事项", "You cannot file this through {channel}"),
    "case_not_open": ("工单已答复或办结，不能再修改", "The case is replied or closed and can no longer change"),
    "reveal_reason_required": (
        "查看完整联系方式须说明理由（记入审计日志）",
        "Showing the full contact needs a reason (kept in the audit log)",
    ),
    "callback_outcome_required": ("回访须填写回访结果", "A callback needs its outcome"),
    "already_rated": ("您已评价过本次答复，中心将回访核实", "You already rated this reply; the centre will call back"),
    "merge_into_self": ("不能将工单合并到其自身", "A case cannot be merged into itself"),
    "merge_master_not_found": (
        "主工单 {case_id} 不存在或无权查看",
        "Master case {case_id} does not exist or is not yours",
    ),
    "merge_master_closed": (
        "主工单 {number} 已{status}，不能并入",
        "Master case {number} is {status}; nothing can be merged into it",
    ),
    "merge_category_mismatch": (
        "只能合并同一分类的工单（主工单 {master}，本工单 {duplicate}）",
        "Only cases of the same category merge (master {master}, this case {duplicate})",
    ),
    "link_to_self": ("不能将工单与其自身关联", "A case cannot be linked to itself"),
    "link_case_not_found": (
        "要关联的工单 {case_id} 不存在或无权查看",
        "Case {case_id} does not exist or is not visible",
    ),
    "link_exists": ("已与工单 {number} 关联", "Already linked to case {number}"),
    "link_not_found": ("与工单 {number} 没有关联", "Not linked to case {number}"),
    "action_not_for_kind": ("{kind} 类业务不使用此操作", "Cases of kind {kind} do not use this action"),
    "kind_needs_own_intake": (
        "{kind} 类业务须通过其专用接口提交",
        "Cases of kind {kind} are filed through their own endpoint",
    ),
    "extension_clock_paused": ("办理时限已暂停（等待补正材料），无需延期", "The clock is paused (awaiting materials)"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "direct_answer_type_not_allowed": ("该类工单不能直接答复", "This type cannot be answered directly"),
    "direct_answer_article_mismatch": ("知识库条目与事项分类不符", "The article does not fit the category"),
    "unit_inactive": ("单位已停用", "Unit inactive"),
    "kind_unknown": ("业务类型不支持", "Unknown case kind"),
    "action_unknown": ("未知操作", "Unknown action"),
    "action_not_allowed": ("当前不允许此操作", "Action not allowed now"),
    "return_window_closed": ("退单期限已过", "Return window closed"),
    "extension_after_deadline": ("办理期限已过，不能延期", "Too late to extend"),
    "extension_cap_exceeded": ("超出延期上限", "Extension cap exceeded"),
    "channel_not_allowed": ("渠道不允许", "Channel not allowed"),
    "merge_master_not_found": ("主工单不存在", "Master case not found"),
    "merge_master_closed": ("主工单已办结", "Master case closed"),
    "merge_category_mismatch": ("分类不一致，不能合并", "Different categories"),
    "link_case_not_found": ("关联工单不存在", "Unknown related case"),
    "link_exists": ("已关联", "Already linked"),
    "link_not_found": ("没有关联", "Not linked"),
    "action_not_for_kind": ("此类业务不使用此操作", "Not for this kind"),
    "kind_needs_own_intake": ("须通过专用接口提交", "Use the kind's own endpoint"),
}
