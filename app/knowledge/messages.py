"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "article_not_found": ("知识库文章 {code} 不存在或已停用", "Knowledge article {code} does not exist or is retired"),
    "article_not_in_force": ("知识库文章 {code} 不在有效期内", "Knowledge article {code} is not in force today"),
    "article_code_taken": ("文章编码 {code} 已存在", "The article code {code} is taken"),
}

# Titles for codes whose messages carry details (RFC 9457 titles do not vary).
TITLES: dict[str, tuple[str, str]] = {
    "article_not_found": ("知识库文章不存在", "Unknown article"),
    "article_not_in_force": ("文章不在有效期", "Article not in force"),
    "article_code_taken": ("知识条目编号已存在", "Article code taken"),
}
