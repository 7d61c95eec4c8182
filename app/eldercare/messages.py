"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "check_in_location_required": (
        "签到须提供定位（本地政策不允许无定位签到）", "Check-in needs the location (the policy does not allow none)",
    ),
    "window_ends_before_start": (
        "服务时段的结束时间须晚于开始时间 {starts}", "The window must end after it starts ({starts})",
    ),
    "window_not_longer": (
        "延长后的结束时间须晚于现在的结束时间 {ends}", "The new end must be after the current end ({ends})",
    ),
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
    "provider_invalid": (
        "服务机构无效，须为以下类型的在用单位：{kinds}",
        "The provider must be an active unit of kind: {kinds}",
    ),
    "volunteer_lacks_skill": ("志愿者不具备该服务所需技能", "The volunteer lacks a skill this service needs"),
    "volunteer_too_young": ("上门服务须年满 {min_age} 周岁", "Home visits need volunteers aged {min_age} or over"),
    "subsidy_level_unknown": (
        "补贴档次不在本地政策中（可选：{levels}）", "No such subsidy band in the policy ({levels})",
    ),
    "subsidy_percent_without_level": ("不给予补贴时补贴比例须为 0", "Without a band the subsidised share is 0"),
    # Departures from the latest eligibility result (decision_contradicts_check lists them).
    "care_ineligible": ("最近一次资格评估结果为不享受补贴", "The latest eligibility result gives no subsidy"),
    "subsidy_not_entitled": (
        "补贴档次或比例与最近一次资格评估结果不一致", "The band or share is not the latest eligibility result's",
    ),
    "visit_provider_one": ("志愿者与服务机构须且只能指定一个", "Give exactly one of volunteer_id and provider_unit_id"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "window_ends_before_start": ("服务时段结束早于开始", "Window ends before it starts"),
    "window_not_longer": ("服务时段没有延长", "Window not longer"),
    "visit_not_cancellable": ("服务不能取消", "Visit cannot be cancelled"),
    "visit_not_scheduled": ("服务不是待签到状态", "Visit not awaiting check-in"),
    "visit_not_done": ("服务尚未完成", "Visit not finished"),
    "provider_invalid": ("服务机构无效", "Invalid provider"),
    "volunteer_too_young": ("志愿者年龄不符", "Volunteer too young"),
    "subsidy_level_unknown": ("补贴档次不存在", "Unknown subsidy band"),
}
