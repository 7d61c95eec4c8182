"""Form-encoded bodies read as UTF-8, whether the client percent-encoded its text or not."""

from urllib.parse import parse_qsl

from starlette.requests import Request


def is_url_encoded(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


async def utf8_form(request: Request) -> dict[str, str]:
    """Starlette reads unescaped bytes as Latin-1, so Chinese posted without percent-encoding (curl -d, some SDKs)
    would be stored as mojibake. The body is cached by Starlette, so every reader of one request gets the same.
    Raises UnicodeDecodeError on a body (or an escape) that is not UTF-8."""
    text = (await request.body()).decode("utf-8")
    return dict(parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict"))
