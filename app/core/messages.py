"""Stable error codes with their titles in Chinese and English.

One catalogue, long because it lists every code the API can answer: the contract frontends translate
against, kept in one place so a code is never defined twice or renamed by accident (tests/unit/test_messages.py
checks every raised code is here).

Codes are a contract with the frontends: add new ones, never rename.
Templates take named parameters from the raised error.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # generic
    "validation_failed": ("请求数据校验未通过", "The request did not pass validation"),
    "malformed_json": ("请求体不是合法的 JSON", "The request body is not valid JSON"),
    "not_found": ("资源不存在", "The resource does not exist"),
    "route_not_found": ("接口不存在", "No such endpoint"),
    "method_not_allowed": ("不支持该请求方法", "Method not allowed"),
    "internal_error": ("服务器内部错误，请稍后再试", "Internal server error, please try again later"),
    "database_unavailable": ("数据库暂时无法访问，请稍后重试", "The database is unavailable; please retry shortly"),
    "value_out_of_range": ("请求中的数值超出允许范围", "A number in the request is out of range"),
    "body_unreadable": ("请求体无法解析", "The request body could not be read"),
    "body_too_large": ("请求体过大", "The request body is too large"),
    "conflict": ("数据冲突", "Conflict with the current state"),
    # auth
    "auth_required": ("需要登录", "Authentication required"),
    "auth_invalid_credentials": ("用户名或密码错误", "Wrong username or password"),
    "auth_account_locked": (
        "登录失败次数过多，账号已锁定至 {locked_until}",
        "Too many failed logins; the account is locked until {locked_until}",
    ),
    "auth_account_disabled": ("账号已停用", "The account is disabled"),
    "auth_token_expired": ("登录已过期，请重新登录", "The token has expired; log in again"),
    "auth_token_invalid": ("登录凭证无效", "The token is invalid"),
    "auth_token_revoked": (
        "登录凭证已失效（已退出、改密或权限变更），请重新登录",
        "The token was revoked (logout, password or role change); log in again",
    ),
    "password_wrong": ("当前密码错误", "The current password is wrong"),
    "password_unchanged": ("新密码不能与当前密码相同", "The new password must differ from the current one"),
    "user_not_found": ("用户 {user_id} 不存在", "User {user_id} does not exist"),
    "account_self_change": (
        "不能修改或停用自己的管理员账号，请由其他管理员操作",
        "You cannot change the role of or deactivate your own account; ask another administrator",
    ),
    "rate_limited": (
        "请求过于频繁，请 {retry_after} 秒后再试",
        "Too many requests; try again in {retry_after} seconds",
    ),
    "forbidden": ("无权执行此操作", "You are not allowed to do this"),
    "username_taken": ("该手机号已注册", "This phone number is already registered"),
    "phone_invalid": ("手机号码无效", "Invalid mobile phone number"),
    "password_weak": (
        "密码须至少 {min_length} 位，并包含大写字母、小写字母、数字、符号中的至少 3 类",
        "The password needs at least {min_length} characters from at least 3 of: upper case, "
        "lower case, digits, symbols",
    ),
    "role_invalid": ("角色无效", "Unknown role"),
    "unit_required": ("该角色必须绑定单位", "This role must be bound to a unit"),
    # gazetteer and organisation
    "region_not_found": ("行政区划代码 {code} 不存在", "Region code {code} does not exist"),
    "region_not_community": (
        "{code} 不是社区级区划，请选择具体社区",
        "{code} is not a community; choose a community",
    ),
    "region_code_invalid": ("区划代码须为 12 位数字", "A region code is 12 digits"),
    "unit_not_found": ("单位 {unit_id} 不存在", "Unit {unit_id} does not exist"),
    "unit_inactive": ("单位 {unit_id} 已停用", "Unit {unit_id} is inactive"),
    "category_not_found": ("事项分类 {code} 不存在", "Category {code} does not exist"),
    "category_not_leaf": (
        "事项分类 {code} 不是末级分类，请选择具体事项",
        "Category {code} is a group; choose a specific category",
    ),
    "rule_not_found": ("派单规则 {rule_id} 不存在", "Routing rule {rule_id} does not exist"),
    "profile_not_found": ("时限标准 {code} 不存在", "Deadline profile {code} does not exist"),
    # cases
    "case_not_found": ("工单不存在", "The case does not exist"),
    "kind_unknown": ("不支持的业务类型 {kind}", "Unknown case kind {kind}"),
    "action_unknown": ("未知操作 {action}", "Unknown action {action}"),
    "action_not_allowed": (
        "当前状态（{status}）下您不能执行“{action}”",
        "You cannot '{action}' while the case is {status}",
    ),
    "version_stale": (
        "工单已被他人修改（当前版本 {current}），请刷新后重试",
        "The case changed since you read it (now version {current}); reload and retry",
    ),
    "precondition_required": (
        "该操作需要 If-Match 请求头携带工单版本",
        "This action needs an If-Match header with the case version",
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
    "assignment_not_found": ("本单位未参与此工单", "Your unit has no assignment on this case"),
    # cross-cutting
    "idempotency_key_reused": (
        "幂等键已用于内容不同的请求",
        "This Idempotency-Key was used for a different request",
    ),
    "idempotency_in_flight": (
        "相同幂等键的请求正在处理中",
        "A request with this Idempotency-Key is still being processed",
    ),
    "idempotency_key_invalid": (
        "幂等键须为 1–200 个可见字符",
        "An Idempotency-Key is 1–200 visible characters",
    ),
    "cursor_invalid": ("分页游标无效", "The pagination cursor is invalid"),
    "calendar_year_invalid": ("年度日历数据无效：{reason}", "The calendar year is invalid: {reason}"),
    "query_invalid": ("查询参数无效：{reason}", "Invalid query: {reason}"),
}

# Field-level messages for pydantic's error types (fallback: pydantic's English).
FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("必填", "Field required"),
    "extra_forbidden": ("不允许的字段", "Unknown field"),
    "string_too_long": ("长度不能超过 {max_length}", "At most {max_length} characters"),
    "string_too_short": ("长度不能少于 {min_length}", "At least {min_length} characters"),
    "string_type": ("须为字符串", "Must be a string"),
    "int_parsing": ("须为整数", "Must be an integer"),
    "int_type": ("须为整数", "Must be an integer"),
    "float_parsing": ("须为数字", "Must be a number"),
    "float_type": ("须为数字", "Must be a number"),
    "bool_parsing": ("须为布尔值", "Must be true or false"),
    "bool_type": ("须为布尔值", "Must be true or false"),
    "enum": ("取值须为 {expected} 之一", "Must be one of {expected}"),
    "literal_error": ("取值须为 {expected} 之一", "Must be one of {expected}"),
    "greater_than_equal": ("不能小于 {ge}", "Must be at least {ge}"),
    "less_than_equal": ("不能大于 {le}", "Must be at most {le}"),
    "greater_than": ("须大于 {gt}", "Must be greater than {gt}"),
    "less_than": ("须小于 {lt}", "Must be less than {lt}"),
    "string_pattern_mismatch": ("格式不正确", "Wrong format"),
    "date_from_datetime_parsing": ("须为日期 YYYY-MM-DD", "Must be a date YYYY-MM-DD"),
    "date_parsing": ("须为日期 YYYY-MM-DD", "Must be a date YYYY-MM-DD"),
    "datetime_parsing": ("须为 ISO 8601 时间", "Must be an ISO 8601 datetime"),
    "datetime_from_date_parsing": ("须为 ISO 8601 时间", "Must be an ISO 8601 datetime"),
    "model_type": ("须为对象", "Must be an object"),
    "dict_type": ("须为对象", "Must be an object"),
    "list_type": ("须为数组", "Must be an array"),
    "too_long": ("元素不能超过 {max_length} 个", "At most {max_length} items"),
    "value_error": ("{error}", "{error}"),
}

MESSAGES.update({
    "region_outside_scope": (
        "{code} 不在您所属中心的辖区内", "{code} is outside your centre's jurisdiction",
    ),
    "channel_not_allowed": ("您不能通过渠道 {channel} 创建此类事项", "You cannot file this through {channel}"),
    "caller_phone_invalid": ("来电号码无效", "Invalid caller phone number"),
    "nothing_to_change": ("没有需要修改的内容", "Nothing to change"),
    "case_not_open": ("工单已答复或办结，不能再修改", "The case is replied or closed and can no longer change"),
    "reveal_reason_required": ("查看完整联系方式须说明理由（记入审计日志）",
                               "Showing the full contact needs a reason (kept in the audit log)"),
})

# Titles for the codes whose messages carry details; RFC 9457 titles do not vary.
TITLES: dict[str, tuple[str, str]] = {
    "auth_account_locked": ("账号已锁定", "Account locked"),
    "password_weak": ("密码强度不足", "Password too weak"),
    "user_not_found": ("用户不存在", "Unknown user"),
    "rate_limited": ("请求过于频繁", "Too many requests"),
    "region_not_found": ("行政区划不存在", "Unknown region"),
    "region_not_community": ("须选择社区级区划", "A community is required"),
    "unit_not_found": ("单位不存在", "Unknown unit"),
    "unit_inactive": ("单位已停用", "Unit inactive"),
    "category_not_found": ("事项分类不存在", "Unknown category"),
    "category_not_leaf": ("须选择末级事项分类", "A specific category is required"),
    "rule_not_found": ("派单规则不存在", "Unknown routing rule"),
    "profile_not_found": ("时限标准不存在", "Unknown deadline profile"),
    "kind_unknown": ("业务类型不支持", "Unknown case kind"),
    "action_unknown": ("未知操作", "Unknown action"),
    "action_not_allowed": ("当前不允许此操作", "Action not allowed now"),
    "version_stale": ("工单版本已过期", "Stale version"),
    "return_window_closed": ("退单期限已过", "Return window closed"),
    "extension_after_deadline": ("办理期限已过，不能延期", "Too late to extend"),
    "extension_cap_exceeded": ("超出延期上限", "Extension cap exceeded"),
    "calendar_year_invalid": ("年度日历数据无效", "Invalid calendar year"),
    "query_invalid": ("查询参数无效", "Invalid query"),
    "region_outside_scope": ("区划不在辖区内", "Region outside jurisdiction"),
    "channel_not_allowed": ("渠道不允许", "Channel not allowed"),
}

# closing the loop (issue 4)
MESSAGES.update({
    "callback_outcome_required": ("回访须填写回访结果", "A callback needs its outcome"),
    "already_rated": ("您已评价过本次答复，中心将回访核实", "You already rated this reply; the centre will call back"),
    "merge_into_self": ("不能将工单合并到其自身", "A case cannot be merged into itself"),
    "merge_master_not_found": (
        "主工单 {case_id} 不存在或无权查看", "Master case {case_id} does not exist or is not yours",
    ),
    "merge_master_closed": (
        "主工单 {number} 已{status}，不能并入", "Master case {number} is {status}; nothing can be merged into it",
    ),
    "merge_category_mismatch": (
        "只能合并同一分类的工单（主工单 {master}，本工单 {duplicate}）",
        "Only cases of the same category merge (master {master}, this case {duplicate})",
    ),
    "period_invalid": ("统计时段的开始须早于结束", "The period must start before it ends"),
    "period_too_long": ("统计时段不能超过 {days} 天", "The period can be at most {days} days"),
})
TITLES.update({
    "merge_master_not_found": ("主工单不存在", "Master case not found"),
    "merge_master_closed": ("主工单已办结", "Master case closed"),
    "merge_category_mismatch": ("分类不一致，不能合并", "Different categories"),
    "period_too_long": ("统计时段过长", "Period too long"),
})

# hotline intake and the knowledge base (issue 5)
MESSAGES.update({
    "article_not_found": ("知识库文章 {code} 不存在或已停用", "Knowledge article {code} does not exist or is retired"),
    "article_not_in_force": ("知识库文章 {code} 不在有效期内", "Knowledge article {code} is not in force today"),
    "article_code_taken": ("文章编码 {code} 已存在", "The article code {code} is taken"),
    "address_unresolved": ("无法从地址识别所在社区或街道", "No known place was found in the address"),
    "address_ambiguous": (
        "地址可能对应多个地点，请选择：{names}", "The address fits several places; choose one: {names}",
    ),
    "address_not_precise": (
        "地址只能定位到 {name}，请补充社区", "The address only locates {name}; name the community",
    ),
    "coordinates_outside_city": ("坐标不在本市范围内", "The coordinates are outside the city"),
    "elements_missing": (
        "受理要素不全，缺少：{missing}", "The order lacks required elements: {missing}",
    ),
    "category_unclassifiable": (
        "无法根据描述判断事项分类，请选择分类", "The description gives no clue to the category; choose one",
    ),
})
TITLES.update({
    "article_not_found": ("知识库文章不存在", "Unknown article"),
    "article_not_in_force": ("文章不在有效期", "Article not in force"),
    "address_ambiguous": ("地址有歧义", "Ambiguous address"),
    "address_not_precise": ("地址不够具体", "Address not precise"),
    "elements_missing": ("受理要素不全", "Missing elements"),
})

# related cases, places (issue 5) and one-stop affairs (issue 6)
MESSAGES.update({
    "link_to_self": ("不能将工单与其自身关联", "A case cannot be linked to itself"),
    "link_case_not_found": (
        "要关联的工单 {case_id} 不存在或无权查看", "Case {case_id} does not exist or is not visible",
    ),
    "link_exists": ("已与工单 {number} 关联", "Already linked to case {number}"),
    "link_not_found": ("与工单 {number} 没有关联", "Not linked to case {number}"),
    "places_level_invalid": (
        "小区和地标只能登记到区、街道或社区", "Places belong to a district, subdistrict or community",
    ),
    "action_not_for_kind": ("{kind} 类业务不使用此操作", "Cases of kind {kind} do not use this action"),
    "kind_needs_own_intake": (
        "{kind} 类业务须通过其专用接口提交", "Cases of kind {kind} are filed through their own endpoint",
    ),
    "item_not_found": ("办事事项 {code} 不存在", "Service item {code} does not exist"),
    "item_withdrawn": ("办事事项 {code} 已停止办理", "Service item {code} has been withdrawn"),
    "item_exists": ("办事事项 {code} 已存在", "Service item {code} already exists"),
    "unit_kind_unknown": ("单位类型 {kind} 不存在", "Unit kind {kind} does not exist"),
    "life_event_unknown": ("人生事件 {code} 不存在", "Life event {code} does not exist"),
    "id_number_invalid": ("身份证号码无效（须为 18 位且校验码正确）",
                          "Invalid resident ID number (18 characters with a valid check digit)"),
    "applicant_name_required": ("代为申请时须填写申请人姓名", "The applicant's name is required when filing for them"),
    "proxy_mode_staff_only": (
        "帮办、上门办只能由工作人员登记", "Assisted and home-visit handling are recorded by staff",
    ),
    "proxy_not_allowed": ("该事项不允许他人代办", "This item may not be filed by a proxy"),
    "material_unknown": ("材料 {code} 不在该事项的材料清单中", "Material {code} is not on the item's list"),
    "material_source_not_allowed": ("只有窗口工作人员可以登记已核验原件",
                                    "Only counter staff can record a checked original"),
    "key_material_missing": ("缺少关键材料：{missing}", "Key materials are missing: {missing}"),
    "materials_incomplete": ("材料不齐：{missing}", "Materials are incomplete: {missing}"),
    "nothing_to_tolerate": ("材料已齐全，请直接受理", "Nothing is missing; accept the application"),
    "tolerance_refused_bad_credit": ("申请人有失信记录，不能容缺受理",
                                     "The applicant has a bad credit record and cannot be accepted with materials "
                                     "missing"),
    "tolerance_not_possible": ("该事项承诺时限过短，不能容缺受理",
                               "The item's promised time is too short for materials to follow"),
    "not_on_the_spot": ("该事项不是即办事项", "This item is not decided on the spot"),
    "decision_before_acceptance": ("申请尚未受理，不能作出决定", "The application has not been accepted yet"),
    "materials_pending": ("容缺材料尚未补齐，不能准予", "Materials are still to follow; it cannot be approved yet"),
    "application_terminated": (
        "申请已因逾期未补齐材料而终止", "The application was terminated: materials came too late",
    ),
    "materials_not_expected": ("当前阶段不接收补充材料", "No materials are expected at this stage"),
    "application_not_found": ("未找到与受理编号和身份证号匹配的申请",
                              "No application matches this number and ID number"),
    "item_not_online": ("该事项不能网上申请，请到窗口办理", "This item cannot be applied for online; visit a counter"),
    "extension_clock_paused": ("办理时限已暂停（等待补正材料），无需延期", "The clock is paused (awaiting materials)"),
    "credit_flag_not_found": ("失信记录不存在", "Unknown credit record"),
    "credit_flag_inactive": ("该失信记录已解除", "The credit record is already lifted"),
})
TITLES.update({
    "link_case_not_found": ("关联工单不存在", "Unknown related case"),
    "link_exists": ("已关联", "Already linked"),
    "link_not_found": ("没有关联", "Not linked"),
    "action_not_for_kind": ("此类业务不使用此操作", "Not for this kind"),
    "kind_needs_own_intake": ("须通过专用接口提交", "Use the kind's own endpoint"),
    "item_not_found": ("办事事项不存在", "Unknown service item"),
    "item_withdrawn": ("办事事项已停止办理", "Service item withdrawn"),
    "item_exists": ("办事事项已存在", "Service item exists"),
    "unit_kind_unknown": ("单位类型不存在", "Unknown unit kind"),
    "life_event_unknown": ("人生事件不存在", "Unknown life event"),
    "material_unknown": ("材料不在清单中", "Unknown material"),
    "key_material_missing": ("缺少关键材料", "Key materials missing"),
    "materials_incomplete": ("材料不齐", "Materials incomplete"),
})
# social aid
MESSAGES.update({
    "aid_line_missing": (
        "区划 {district} 没有在用的低保标准",
        "No minimum-living line in force for district {district}",
    ),
    "applicant_not_self": ("居民只能以本人为申请人提出申请", "A resident applies with themself as the applicant"),
    "birth_date_future": ("出生日期不能晚于今天", "A birth date cannot be in the future"),
    "household_two_applicants": ("一户只能有一名申请人", "A household has one applicant"),
    "household_without_applicant": ("家庭成员中没有申请人", "The household has no applicant"),
    "member_repeated": ("同一人在家庭成员中重复出现", "The same person appears twice in the household"),
    "temporary_details_required": (
        "临时救助须说明困难类型和情况",
        "Temporary aid needs the type and the circumstances",
    ),
    "visited_in_future": ("入户调查日期不能晚于今天", "The visit date cannot be in the future"),
    "approval_needs_notice": ("须经公示后才能批准", "Approval needs a public notice first"),
    "grant_first_emergency_only": ("只有急难型临时救助可以先行救助", "Only emergency temporary aid is granted first"),
    "materials_list_once": ("补正材料须一次性告知，已告知过", "Missing materials are listed once, and were"),
    "notice_ended": ("公示期已于 {ends} 结束", "The notice ended at {ends}"),
    "notice_not_ended": ("公示期至 {ends} 结束，期满前不能批准", "The notice runs until {ends}; no approval before"),
    "notice_not_for_temporary": ("临时救助无需公示", "Temporary aid is not publicly noticed"),
    "decision_before_check": ("尚未完成家庭经济状况核查，不能作出决定", "No decision before the household check"),
    "no_notice_running": ("当前不在公示期", "No notice is running"),
    "recheck_required": ("公示有异议，须重新核查后再公示", "After an objection the household is checked again first"),
    "not_registration_place": (
        "须在申请人户籍所在地 {code} 申请",
        "Apply at the applicant's place of registration {code}",
    ),
    "application_decided": ("申请已作出决定", "The application has been decided"),
})
TITLES.update({
    "not_registration_place": ("须在户籍所在地申请", "Apply at the place of registration"),
    "aid_line_missing": ("没有在用的低保标准", "No line in force"),
    "notice_ended": ("公示期已结束", "Notice ended"),
    "notice_not_ended": ("公示期未满", "Notice still running"),
})
# delivery to the units' systems
MESSAGES.update({
    "webhook_url_invalid": ("回调地址须为 http(s) 网址", "The webhook URL must be an http(s) URL"),
    "outbox_event_not_found": ("推送事件不存在", "No such outbox event"),
    "outbox_event_pending": ("该事件正在等待推送", "The event is still pending delivery"),
    "webhook_not_found": ("该单位未配置回调地址", "The unit has no webhook"),
    "api_key_invalid": ("API 密钥无效", "Invalid API key"),
    "api_key_revoked": ("API 密钥已吊销", "The API key has been revoked"),
    "api_key_not_found": ("API 密钥不存在", "No such API key"),
    "signature_required": ("接口调用须签名（X-CSC-Timestamp、X-CSC-Signature）",
                           "Calls must be signed (X-CSC-Timestamp, X-CSC-Signature)"),
    "signature_invalid": ("签名无效", "Invalid signature"),
    "signature_expired": ("签名时间与服务器相差超过 5 分钟", "The signature's timestamp is more than 5 minutes off"),
    "request_replayed": ("重复的请求（签名已使用过）", "A replayed call (the signature was used before)"),
})
# people's mediation
MESSAGES.update({
    "dispute_type_unknown": ("纠纷类型 {code} 不存在", "Unknown dispute type {code}"),
    "parties_incomplete": ("须有申请人和被申请人双方", "A dispute needs an applicant and a respondent"),
    "mediation_offence": ("{reason}，请{routes}", "Not taken: {reason_en}; instead, {routes_en}"),
    "mediation_pending_elsewhere": ("{reason}，请{routes}", "Not taken: {reason_en}; instead, {routes_en}"),
    "mediation_reserved": ("{reason}，请{routes}", "Not taken: {reason_en}; instead, {routes_en}"),
    "mediation_party_refuses": ("{reason}，不能进行调解；可以{routes}", "Not taken: {reason_en}; the parties may "
                                "{routes_en}"),
    "session_in_future": ("调解日期不能晚于今天", "A session cannot be in the future"),
    "party_unknown": ("当事人不存在", "No such party"),
    "party_repeated": ("同一人不能作为两方当事人", "The same person cannot be two parties"),
    "already_signed": ("已签名", "Already signed"),
    "agreement_unsigned": ("尚未签名：{missing}；签齐后才能盖章生效", "Still to sign: {missing}; sealing needs all"),
    "agreement_not_effective": ("调解协议尚未生效（须各方签名并盖章）", "The agreement is not in effect yet"),
    "no_agreement_drafted": ("尚未拟定调解协议", "No agreement has been drafted"),
    "confirmation_window_closed": ("司法确认须在协议生效后 30 日内申请，已于 {ends} 届满",
                                   "The 30-day window for judicial confirmation closed at {ends}"),
    "confirmation_not_joint": ("司法确认须由双方当事人共同申请", "All parties must apply for confirmation jointly"),
    "handoff_unknown": ("移交去向不存在", "Unknown hand-off"),
})
TITLES.update({
    "dispute_type_unknown": ("纠纷类型不存在", "Unknown dispute type"),
    "mediation_offence": ("涉嫌违法犯罪，不属人民调解", "Not for people's mediation"),
    "mediation_pending_elsewhere": ("已由其他机关处理", "Before another authority"),
    "mediation_reserved": ("法律规定由其他机关处理", "Reserved to another authority"),
    "mediation_party_refuses": ("当事人拒绝调解", "A party refuses mediation"),
    "agreement_unsigned": ("调解协议未签齐", "Agreement not fully signed"),
    "confirmation_window_closed": ("司法确认申请期限已过", "Confirmation window closed"),
})
# the resident register, eldercare, volunteers, the time bank
MESSAGES.update({
    "id_number_birth_future": (
        "身份证号码中的出生日期 {birth} 晚于今天",
        "The birth date in the ID number ({birth}) is in the future",
    ),
    "person_exists": ("该身份证号码已登记，请使用已有人员档案", "This ID number is already in the register"),
    "person_not_found": ("人员档案不存在", "No such person in the register"),
    "person_not_bound": ("账号尚未实名绑定人员档案", "This account is not bound to a person in the register"),
    "person_already_bound": ("该人员档案已绑定其他账号", "This register entry is bound to another account"),
    "identity_not_own": ("账号已实名绑定为另一人，只能以本人身份登记", "This account is bound to another person"),
    "account_already_bound": ("账号已实名绑定", "This account is already bound to a register entry"),
    "identity_mismatch": ("姓名与身份证号码登记信息不一致", "The name does not match the register entry for this ID"),
    "already_linked": ("两人已有家庭关系记录", "The two people are already linked"),
    "flag_not_found": ("状态记录不存在", "No such status record"),
    "flag_inactive": ("该状态已结束", "The status has already ended"),
    "flag_since_future": ("状态起始日期不能晚于今天", "A status cannot start in the future"),
    "care_policy_not_found": ("养老服务政策 {code} 未配置", "Care policy {code} is not configured"),
    "not_family": ("只有老人本人或登记的家庭成员可以申请", "Only the elder or a registered family member may order"),
    "scheduled_in_past": ("服务时间不能早于现在", "The service time cannot be in the past"),
    "order_not_open": ("服务单已结束", "The order is finished"),
    "order_served": ("服务单已完成", "The order has been served"),
    "nothing_scheduled": ("尚未安排上门服务", "No visit is scheduled yet"),
    "no_visit_done": ("还没有完成的上门服务，不能办结", "No visit has been completed yet"),
    "visit_in_progress": ("有上门服务尚未签退", "A visit is still checked in"),
    "visit_not_found": ("上门服务记录不存在", "No such visit"),
    "visit_not_cancellable": (
        "只能取消尚未签到的服务（当前：{status}）",
        "Only a visit not yet started can be cancelled ({status})",
    ),
    "visit_not_scheduled": ("该服务不是待签到状态（当前：{status}）", "The visit is not awaiting check-in ({status})"),
    "visit_not_done": ("服务尚未完成，不能评价（当前：{status}）", "The visit is not finished ({status})"),
    "visit_already_rated": ("该服务已评价", "The visit has already been rated"),
    "rating_not_family": ("只有老人本人或家属可以评价", "Only the elder or their family may rate a visit"),
    "check_in_before_order": ("签到时间早于服务单创建时间", "The check-in is before the order was placed"),
    "check_out_before_check_in": (
        "签退时间早于签到时间 {check_in}",
        "The check-out is before the check-in ({check_in})",
    ),
    "not_checked_in": ("尚未签到", "Not checked in"),
    "check_in_too_early": ("签到时间过早，签到自 {opens} 起开放", "Too early: check-in opens at {opens}"),
    "time_in_future": ("时间不能晚于现在", "The time cannot be in the future"),
    "provider_invalid": (
        "服务机构无效，须为以下类型的在用单位：{kinds}",
        "The provider must be an active unit of kind: {kinds}",
    ),
    "volunteer_not_found": ("志愿者不存在", "No such volunteer"),
    "volunteer_exists": ("已登记为志愿者", "Already registered as a volunteer"),
    "volunteer_not_pending": (
        "该志愿者登记已处理（当前：{status}）",
        "The registration was already decided ({status})",
    ),
    "volunteer_not_approved": ("志愿者尚未通过审核", "The volunteer is not approved"),
    "volunteer_lacks_skill": ("志愿者不具备该服务所需技能", "The volunteer lacks a skill this service needs"),
    "volunteer_too_young": ("上门服务须年满 {min_age} 周岁", "Home visits need volunteers aged {min_age} or over"),
    "not_a_volunteer": ("当前账号不是志愿者", "This account is not a volunteer"),
    "guardian_consent_required": (
        "志愿者 {age} 岁，须监护人同意",
        "The volunteer is {age}: a guardian's consent is required",
    ),
    "emergency_contact_required": ("请填写紧急联系人", "An emergency contact is required"),
    "skill_unknown": ("技能不在目录中：{code}", "Unknown skill: {code}"),
    "skill_mismatch": ("该任务需要以下技能之一：{skills}", "The task needs one of these skills: {skills}"),
    "schedule_clash": ("该时段已有其他服务或活动", "The volunteer is already booked at that time"),
    "team_not_found": ("志愿服务队不存在", "No such team"),
    "already_team_member": ("已是该服务队成员", "Already a member of the team"),
    "not_team_member": ("这是服务队任务，仅限队员报名", "This is a team task, for its members only"),
    "task_not_found": ("志愿服务任务不存在", "No such task"),
    "task_in_past": ("任务开始时间不能早于现在", "The task cannot start in the past"),
    "task_closed": ("任务已开始或已结束，不能报名或签到", "The task has started or ended"),
    "task_full": ("报名人数已满（{capacity} 人）", "The task is full ({capacity} places)"),
    "task_adults_only": ("该任务仅限成年志愿者", "This task is for adults only"),
    "already_signed_up": ("已报名该任务", "Already signed up"),
    "signup_not_found": ("没有该任务的报名记录", "No sign-up for this task"),
    "already_checked_in": ("已签到，不能重复签到或退出", "Already checked in"),
    "attendance_open": ("还有志愿者未签退", "Some volunteers have not checked out"),
    "task_not_completed": ("任务尚未完成，不能存入时间银行（当前：{status}）", "The task is not completed ({status})"),
    "task_not_timebank": ("该任务不计入时间银行", "This task does not count for the time bank"),
    "task_already_deposited": ("该任务时长已存入", "This task's hours were already deposited"),
    "timebank_insufficient": ("时间银行余额不足 {hours} 小时", "The time bank balance is below {hours} hours"),
    "timebank_busy": ("账户正被其他操作更新，请重试", "The account changed meanwhile; try again"),
    "transfer_to_self": ("不能转给自己", "Cannot transfer to oneself"),
    "transfer_not_relative": ("只能转给配偶或登记的亲属", "Hours go only to the spouse or a registered relative"),
    "transfer_relative_too_young": (
        "配偶以外的亲属须年满 {min_age} 周岁",
        "Relatives other than the spouse must be {min_age} or over",
    ),
    "transfer_exceeds_cap": (
        "对方账户将超过 {cap} 小时上限",
        "The recipient's balance would exceed the {cap}-hour cap",
    ),
    "redemption_not_eldercare": ("时间只能兑换居家养老服务", "Hours can only pay for eldercare services"),
    "redemption_not_own_care": ("只能兑换账户本人的养老服务", "Hours pay only for the account holder's own care"),
})
TITLES.update({
    "article_code_taken": ("知识条目编号已存在", "Article code taken"),
    "care_policy_not_found": ("养老服务政策未配置", "Care policy not configured"),
    "check_in_too_early": ("签到过早", "Check-in too early"),
    "check_out_before_check_in": ("签退早于签到", "Check-out before check-in"),
    "guardian_consent_required": ("须监护人同意", "Guardian's consent required"),
    "id_number_birth_future": ("出生日期晚于今天", "Birth date in the future"),
    "provider_invalid": ("服务机构无效", "Invalid provider"),
    "skill_mismatch": ("技能不符", "Skills do not fit the task"),
    "skill_unknown": ("技能不在目录中", "Unknown skill"),
    "task_full": ("报名已满", "Task full"),
    "task_not_completed": ("任务尚未完成", "Task not completed"),
    "timebank_insufficient": ("时间银行余额不足", "Insufficient time-bank balance"),
    "transfer_exceeds_cap": ("超过时间银行上限", "Over the time-bank cap"),
    "transfer_relative_too_young": ("亲属未满规定年龄", "Relative below the age"),
    "visit_not_cancellable": ("服务不能取消", "Visit cannot be cancelled"),
    "visit_not_done": ("服务尚未完成", "Visit not finished"),
    "visit_not_scheduled": ("服务不是待签到状态", "Visit not awaiting check-in"),
    "volunteer_not_pending": ("志愿者登记已处理", "Registration already decided"),
    "volunteer_too_young": ("志愿者年龄不符", "Volunteer too young"),
})
