"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "identity_not_own": ("账号已实名绑定为另一人，只能以本人身份登记", "This account is bound to another person"),
    "check_out_before_check_in": (
        "签退时间早于签到时间 {check_in}",
        "The check-out is before the check-in ({check_in})",
    ),
    "not_checked_in": ("尚未签到", "Not checked in"),
    "check_in_too_early": ("签到时间过早，签到自 {opens} 起开放", "Too early: check-in opens at {opens}"),
    "time_in_future": ("时间不能晚于现在", "The time cannot be in the future"),
    "volunteer_not_found": ("志愿者不存在", "No such volunteer"),
    "volunteer_exists": ("已登记为志愿者", "Already registered as a volunteer"),
    "volunteer_not_pending": (
        "该志愿者登记已处理（当前：{status}）",
        "The registration was already decided ({status})",
    ),
    "volunteer_not_approved": ("志愿者尚未通过审核", "The volunteer is not approved"),
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
    "timebank_insufficient": (
        "时间银行余额不足 {hours} 小时（余额不能为负，领导签批也不例外）",
        "The time bank balance is below {hours} hours (a balance never goes negative; no override changes that)",
    ),
    "timebank_busy": ("账户正被其他操作更新，请重试", "The account changed meanwhile; try again"),
    "transfer_to_self": ("不能转给自己", "Cannot transfer to oneself"),
    "transfer_not_relative": ("只能转给配偶或登记的亲属", "Hours go only to the spouse or a registered relative"),
    "transfer_relative_too_young": (
        "配偶以外的亲属须年满 {min_age} 周岁",
        "Relatives other than the spouse must be {min_age} or over",
    ),
    "transfer_exceeds_cap": (
        "对方账户将超过 {cap} 小时上限（上限不可突破，领导签批也不例外）",
        "The recipient's balance would exceed the {cap}-hour cap (no override changes that)",
    ),
    # A departure from what the order leaves to pay (decision_contradicts_check lists it).
    "redemption_over_order": (
        "兑换时长超过该服务单尚需支付的时长（老人自付部分减去已兑换）",
        "More hours than the order leaves to pay (the elder's share less what hours paid)",
    ),
    "redemption_not_eldercare": ("时间只能兑换居家养老服务", "Hours can only pay for eldercare services"),
    "redemption_not_own_care": ("只能兑换账户本人的养老服务", "Hours pay only for the account holder's own care"),
    "skills_repeated": ("技能不能重复", "Each skill only once"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "check_out_before_check_in": ("签退早于签到", "Check-out before check-in"),
    "check_in_too_early": ("签到过早", "Check-in too early"),
    "volunteer_not_pending": ("志愿者登记已处理", "Registration already decided"),
    "guardian_consent_required": ("须监护人同意", "Guardian's consent required"),
    "skill_unknown": ("技能不在目录中", "Unknown skill"),
    "skill_mismatch": ("技能不符", "Skills do not fit the task"),
    "task_full": ("报名已满", "Task full"),
    "task_not_completed": ("任务尚未完成", "Task not completed"),
    "timebank_insufficient": ("时间银行余额不足", "Insufficient time-bank balance"),
    "transfer_relative_too_young": ("亲属未满规定年龄", "Relative below the age"),
    "transfer_exceeds_cap": ("超过时间银行上限", "Over the time-bank cap"),
}
