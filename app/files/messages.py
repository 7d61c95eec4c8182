"""Error codes this package answers with, in Chinese and English (codes are a contract: add, never rename)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "file_too_large": ("文件超过 {limit_mb} MB 上限", "The file is larger than the {limit_mb} MB limit"),
    "file_empty": ("文件为空", "The file is empty"),
    "file_type_not_allowed": (
        "不支持的文件类型（{detected}）；可上传：{allowed}",
        "This type of file is not accepted ({detected}); accepted: {allowed}",
    ),
    "file_unreadable": (
        "图片无法解析（文件损坏或格式不符）",
        "The image could not be read (damaged, or not what it claims to be)",
    ),
    "image_too_large": (
        "图片像素过多（{pixels} 像素，上限 {limit}）",
        "The image has too many pixels ({pixels}; the limit is {limit})",
    ),
    "upload_not_multipart": (
        "上传须为 multipart/form-data 格式并带 boundary",
        "An upload is multipart/form-data with a boundary",
    ),
    "upload_truncated": ("上传的数据不完整（请求体被截断），请重新上传", "The upload was cut short; send it again"),
    "upload_malformed": ("上传的数据格式有误：{reason}", "The upload is malformed: {reason}"),
    "upload_no_file": ("请求中没有文件（字段 {field}）", "No file in the request (field {field})"),
    "upload_too_many_files": ("一次最多上传 {limit} 个文件", "At most {limit} files per upload"),
    "upload_field_invalid": ("字段 {field} 的值无效", "The value of {field} is not valid"),
    "file_not_found": ("文件不存在", "No such file"),
    "file_not_yours": ("只能使用本人上传的文件", "Only files you uploaded yourself can be used"),
    "files_too_many": ("每件最多附 {limit} 个文件", "A case carries at most {limit} files"),
    "file_link_invalid": ("下载链接无效", "The download link is not valid"),
    "file_link_expired": ("下载链接已过期，请重新获取", "The download link has expired; ask for a new one"),
    "file_missing_in_store": ("文件内容暂不可用，请稍后再试", "The file's content is not available; try again later"),
    "media_twice": ("media 与 media_url 只能二选一", "Send media or media_url, not both"),
    "media_not_image": ("media 须为图片", "media must be an image"),
}

TITLES: dict[str, tuple[str, str]] = {
    "file_too_large": ("文件过大", "File too large"),
    "file_type_not_allowed": ("文件类型不支持", "File type not accepted"),
    "image_too_large": ("图片像素过多", "Image too large"),
    "upload_malformed": ("上传格式有误", "Malformed upload"),
    "upload_no_file": ("缺少文件", "No file"),
    "upload_too_many_files": ("文件过多", "Too many files"),
    "upload_field_invalid": ("字段无效", "Invalid field"),
    "files_too_many": ("文件过多", "Too many files"),
}
