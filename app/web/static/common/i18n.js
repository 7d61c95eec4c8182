// Chinese first, English switchable. Keys are stable; the API's own messages come translated by Accept-Language.
const KEY = 'csc.lang';
const zh = {
  app: '12345 热线工作台', resident_app: '社区服务 · 我的诉求', lang_switch: 'English', login: '登录', logout: '退出',
  username: '用户名', password: '密码', phone: '手机号', name: '姓名', register: '注册', session_expired: '登录已过期，请重新登录（已填写的内容保留）',
  nav_intake: '来电受理', nav_history: '来电历史', nav_queue: '单位工单', nav_board: '督办看板', nav_wall: '实时大屏', nav_case: '工单详情',
  caller_phone: '来电号码', caller_name: '来电人', address: '地址', description: '诉求内容（来电人原话）', work_order_type: '工单类型',
  category: '分类', urgency: '紧急程度', file_order: '派单', file_hint: 'Ctrl+Enter 派单', suggestions: '分类建议',
  address_result: '地址识别', duplicates: '疑似重复', knowledge: '知识库直接答复', missing: '五要素缺失', none_missing: '五要素齐全',
  el_who: '来电人（谁）', el_where: '地点（哪里）', el_what: '事项（什么事）', el_how: '经过（怎么回事，描述过短）',
  emergency: '紧急情况！请立即转接', handoff_script: '对来电人说', merge_into: '派单并合并到此单', merged_into_target: '将合并到',
  answer_with: '用此条直接答复', answering_with: '将以知识库直接答复', reasons: '依据', choose: '选用', candidates: '候选区划',
  filed: '已派单', lead_unit: '主办单位', routing_trace: '派单依据', open_case: '打开工单', new_call: '新来电',
  history_title: '按号码查询来电历史', search: '查询', no_items: '暂无', number: '编号', status: '状态', created: '受理时间',
  sign_due: '签收时限', handle_due: '办结时限', actions: '可办理操作', submit: '提交', cancel: '取消', timeline: '时间线', promised_due: '承诺办结时间',
  location: '位置', coordinates: '坐标', reply: '答复', files: '附件', deadlines: '时限', assignments: '承办单位',
  board_returns: '退单待审核', board_extensions: '延期待审批', board_overdue: '已超期', board_chased: '已催办',
  board_supervised: '已督办', board_callbacks: '待回访', wall_today: '今日受理', wall_by_category: '按分类', wall_by_street: '按街道',
  wall_emergencies: '紧急工单', wall_live: '实时动态', connected: '已连接', report: '我要反映', my_cases: '我的诉求',
  photo: '照片', use_location: '使用我的位置', located: '已定位', track: '按编号查询', rate: '评价', solved: '问题已解决',
  satisfaction: '满意度', satisfied: '满意', basically_satisfied: '基本满意', dissatisfied: '不满意', comment: '意见', thanks: '感谢您的评价',
  reported: '已提交，编号', back: '返回', refresh: '刷新', overdue: '已超期', left: '剩余', hours: '小时', minutes: '分钟', days: '天',
  true: '是', false: '否', loading: '加载中…', inbox: '消息', unread: '未读', mark_all_read: '全部标为已读', call_now: '情况紧急，请立即拨打',
};
const en = {
  app: '12345 Hotline Console', resident_app: 'Community services · My requests', lang_switch: '中文', login: 'Sign in', logout: 'Sign out',
  username: 'Username', password: 'Password', phone: 'Mobile number', name: 'Name', register: 'Register', session_expired: 'Session expired: sign in again (what you typed is kept)',
  nav_intake: 'Intake', nav_history: 'Caller history', nav_queue: 'Unit queue', nav_board: 'Oversight', nav_wall: 'Live wall', nav_case: 'Case',
  caller_phone: 'Caller phone', caller_name: 'Caller name', address: 'Address', description: "Caller's words", work_order_type: 'Order type',
  category: 'Category', urgency: 'Urgency', file_order: 'File', file_hint: 'Ctrl+Enter files', suggestions: 'Category suggestions',
  address_result: 'Address', duplicates: 'Likely duplicates', knowledge: 'Knowledge for a direct answer', missing: 'Five elements missing', none_missing: 'All five elements present',
  el_who: 'Who (caller)', el_where: 'Where', el_what: 'What', el_how: 'How (description too short)',
  emergency: 'Emergency! Hand the caller over now', handoff_script: 'Tell the caller', merge_into: 'File and merge into this', merged_into_target: 'Will merge into',
  answer_with: 'Answer with this', answering_with: 'Answering directly with', reasons: 'Because of', choose: 'Choose', candidates: 'Candidates',
  filed: 'Filed', lead_unit: 'Lead unit', routing_trace: 'Routing trace', open_case: 'Open case', new_call: 'New call',
  history_title: 'Earlier orders by phone', search: 'Search', no_items: 'None', number: 'Number', status: 'Status', created: 'Created',
  sign_due: 'Sign by', handle_due: 'Handle by', actions: 'Actions', submit: 'Submit', cancel: 'Cancel', timeline: 'Timeline', promised_due: 'Promised by',
  location: 'Location', coordinates: 'Coordinates', reply: 'Reply', files: 'Files', deadlines: 'Deadlines', assignments: 'Units',
  board_returns: 'Returns to review', board_extensions: 'Extensions to decide', board_overdue: 'Overdue', board_chased: 'Chased',
  board_supervised: 'Supervised', board_callbacks: 'Callbacks due', wall_today: "Today's intake", wall_by_category: 'By category', wall_by_street: 'By street',
  wall_emergencies: 'Emergencies', wall_live: 'Live', connected: 'Connected', report: 'Report a matter', my_cases: 'My requests',
  photo: 'Photo', use_location: 'Use my location', located: 'Located', track: 'Track by number', rate: 'Rate', solved: 'Solved',
  satisfaction: 'Satisfaction', satisfied: 'Satisfied', basically_satisfied: 'Basically satisfied', dissatisfied: 'Dissatisfied', comment: 'Comment', thanks: 'Thank you for rating',
  reported: 'Filed, number', back: 'Back', refresh: 'Refresh', overdue: 'Overdue', left: 'left', hours: 'h', minutes: 'min', days: 'd',
  true: 'Yes', false: 'No', loading: 'Loading…', inbox: 'Messages', unread: 'unread', mark_all_read: 'Mark all read', call_now: 'Emergency: call now',
};
const names = {
  zh: {
    received: '已受理', dispatched: '待签收', signed: '已签收', in_progress: '办理中', return_review: '退单待审', replied: '已答复',
    closed: '已办结', withdrawn: '已撤回', normal: '一般', urgent: '紧急', critical: '特急', consultation: '咨询', help: '求助',
    complaint: '投诉', suggestion: '建议', praise: '表扬', other: '其他', sign: '签收', start: '开始办理', return: '退单',
    request_extension: '申请延期', add_co_handler: '增加协办单位', contribute: '协办意见', rate: '评价', merge: '合并',
    accept_return: '同意退单', reject_return: '驳回退单', approve_extension: '批准延期', deny_extension: '驳回延期',
    close: '办结', withdraw: '撤回', redispatch: '重新派单', callback: '回访', mark_major: '标记重大', link: '关联', unlink: '取消关联',
    dispatch: '派单', direct_answer: '直接答复', create: '受理', chase: '催办', supervise: '督办',
    note: '备注', reason: '理由', legal_basis: '法律依据', suggested_unit_id: '建议承办单位ID', days: '工作日数', basis: '依据',
    unit_id: '单位ID', text: '答复内容', signer: '签发人', master_case_id: '主工单ID', reached: '已联系上', unit_at_fault: '单位责任',
    solved: '问题已解决', satisfaction: '满意度', comment: '意见', community: '社区', subdistrict: '街道', district: '区',
    city: '市', lead: '主办', co: '协办', requester: '诉求人', agent: '话务员', unit_staff: '单位人员', active: '办理中',
    pending: '待签收', done: '已完成', files: '附件', admin: '管理员', reply: '答复', resident: '居民',
    dispatcher: '调度员', replan: '重排时限', reroute: '改派',
  },
  en: { return_review: 'Return to review', in_progress: 'In progress', request_extension: 'Ask for extension',
    add_co_handler: 'Add co-handler', accept_return: 'Accept return', reject_return: 'Reject return',
    approve_extension: 'Approve extension', deny_extension: 'Deny extension', master_case_id: 'Master case id',
    suggested_unit_id: 'Suggested unit id', legal_basis: 'Legal basis', unit_at_fault: 'Unit at fault' },
};

export function lang() { return localStorage.getItem(KEY) || 'zh'; }
export function setLang(l) { localStorage.setItem(KEY, l); document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en'; }
export function t(key) { return (lang() === 'en' ? en : zh)[key] ?? zh[key] ?? key; }
// A status, urgency, order type, action or field name: Chinese from the table, English from the table or the code.
export function n(code) {
  if (code == null) return '';
  const l = lang();
  return names[l]?.[code] ?? (l === 'en' ? String(code).replaceAll('_', ' ') : names.zh[code] ?? code);
}
// Apply translations to elements marked data-t (text) or data-t-placeholder.
export function translate(root = document) {
  root.querySelectorAll('[data-t]').forEach((el) => { el.textContent = t(el.dataset.t); });
  root.querySelectorAll('[data-t-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.tPlaceholder); });
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
}
