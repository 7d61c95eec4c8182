"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "notification_not_found": ("通知不存在", "No such notification"),
    "notification_delivery_not_found": ("通知投递记录不存在", "No such notification delivery"),
    "notification_delivery_pending": ("该通知正在等待发送", "The notification is still waiting to be sent"),
}
