"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "webhook_url_invalid": ("回调地址须为 http(s) 网址", "The webhook URL must be an http(s) URL"),
    "outbox_event_not_found": ("推送事件不存在", "No such outbox event"),
    "outbox_event_pending": ("该事件正在等待推送", "The event is still pending delivery"),
    "webhook_not_found": ("该单位未配置回调地址", "The unit has no webhook"),
    "api_key_invalid": ("API 密钥无效", "Invalid API key"),
    "api_key_revoked": ("API 密钥已吊销", "The API key has been revoked"),
    "api_key_not_found": ("API 密钥不存在", "No such API key"),
    "signature_required": (
        "接口调用须签名（X-CSC-Timestamp、X-CSC-Signature）",
        "Calls must be signed (X-CSC-Timestamp, X-CSC-Signature)",
    ),
    "signature_invalid": ("签名无效", "Invalid signature"),
    "signature_expired": ("签名时间与服务器相差超过 5 分钟", "The signature's timestamp is more than 5 minutes off"),
    "request_replayed": ("重复的请求（签名已使用过）", "A replayed call (the signature was used before)"),
}
