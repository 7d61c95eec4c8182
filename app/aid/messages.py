"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "aid_line_missing": (
        "区划 {district} 没有在用的低保标准",
        "No minimum-living line in force for district {district}",
    ),
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
    "member_who_missing": ("须提供 person_id 或姓名", "Give person_id or name"),
    "member_income_missing": ("须提供月收入或收入明细", "Give monthly_income or incomes"),
    "check_ineligible": ("最近一次核查结果为不符合条件", "The latest check found the household ineligible"),
    "amount_not_entitlement": ("批准金额与核算的应发金额不一致", "The amount is not the computed entitlement"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "aid_line_missing": ("没有在用的低保标准", "No line in force"),
    "notice_ended": ("公示期已结束", "Notice ended"),
    "notice_not_ended": ("公示期未满", "Notice still running"),
    "not_registration_place": ("须在户籍所在地申请", "Apply at the place of registration"),
}
