"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "auth_invalid_credentials": ("用户名或密码错误", "Wrong username or password"),
    "auth_account_locked": (
        "登录失败次数过多，账号已锁定至 {locked_until}",
        "Too many failed logins; the account is locked until {locked_until}",
    ),
    "password_wrong": ("当前密码错误", "The current password is wrong"),
    "password_unchanged": ("新密码不能与当前密码相同", "The new password must differ from the current one"),
    "user_not_found": ("用户 {user_id} 不存在", "User {user_id} does not exist"),
    "account_self_change": (
        "不能修改或停用自己的管理员账号，请由其他管理员操作",
        "You cannot change the role of or deactivate your own account; ask another administrator",
    ),
    "username_taken": ("该手机号已注册", "This phone number is already registered"),
    "password_weak": (
        "密码须至少 {min_length} 位，并包含大写字母、小写字母、数字、符号中的至少 3 类",
        "The password needs at least {min_length} characters from at least 3 of: upper case, "
        "lower case, digits, symbols",
    ),
    "role_invalid": ("角色无效", "Unknown role"),
    "unit_required": ("该角色必须绑定单位", "This role must be bound to a unit"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "auth_account_locked": ("账号已锁定", "Account locked"),
    "user_not_found": ("用户不存在", "Unknown user"),
    "password_weak": ("密码强度不足", "Password too weak"),
}
