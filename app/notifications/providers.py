"""SMS providers: Alibaba Cloud (RPC API, signature v1), Tencent Cloud (API 3.0, TC3-HMAC-SHA256) and a generic
HTTP gateway, each one POST through httpx. The signing functions are pure and follow the providers' documents:

- Alibaba Cloud SendSms, version 2017-05-25, RPC style: the parameters sorted, percent-encoded (RFC 3986),
  "POST&%2F&" + encode(canonical query), HMAC-SHA1 with "<AccessKeySecret>&", Base64
  (help.aliyun.com/document_detail/315526, "RPC 机制的签名").
- Tencent Cloud SendSms, version 2021-01-11: the canonical request (method, "/", "", content-type and host
  headers, SHA-256 of the body), the string to sign with the credential scope <date>/sms/tc3_request, the key
  derived TC3<SecretKey> -> date -> "sms" -> "tc3_request" (cloud.tencent.com/document/api/382/52072,
  "签名方法 v3").
- The generic gateway takes JSON {to, template, params, text} signed like the units' webhooks:
  X-CSC-Signature: sha256=HMAC(secret, "<timestamp>.<body>").
"""

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from app.core.config import Settings
from app.delivery import rules as webhook_rules


@dataclass(frozen=True)
class Sms:
    phone: str  # 11 digits, a mainland mobile
    template: str  # our template's name
    params: dict[str, str]  # its placeholders in the order they appear in the text (Tencent takes a list)
    text: str  # the rendered text (the generic gateway sends it as it is)


@dataclass(frozen=True)
class Sent:
    ok: bool
    ref: str | None = None  # the provider's message id
    error: str | None = None
    permanent: bool = False  # trying again cannot help (a bad signature, an unapproved template)


class Provider(Protocol):
    name: str

    async def send(self, http: httpx.AsyncClient, sms: Sms, now: datetime) -> Sent: ...


# --- Alibaba Cloud ----------------------------------------------------------------------------------------------

def aliyun_encode(value: str) -> str:
    return quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{aliyun_encode(k)}={aliyun_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{aliyun_encode('/')}&{aliyun_encode(canonical)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


ALIYUN_PERMANENT = ("SignatureDoesNotMatch", "IncompleteSignature", "InvalidAccessKeyId", "isv.MOBILE_NUMBER_ILLEGAL",
                    "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS",
                    "isv.INVALID_PARAMETERS", "Forbidden.RAM")


@dataclass
class Aliyun:
    key_id: str
    secret: str
    sign_name: str
    codes: dict[str, str]
    endpoint: str = "https://dysmsapi.aliyuncs.com/"
    region: str = "cn-hangzhou"
    name: str = "aliyun"

    def request(self, sms: Sms, now: datetime) -> dict[str, str]:
        params = {"AccessKeyId": self.key_id, "Action": "SendSms", "Format": "JSON", "RegionId": self.region,
                  "SignatureMethod": "HMAC-SHA1", "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
                  "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2017-05-25",
                  "PhoneNumbers": sms.phone, "SignName": self.sign_name, "TemplateCode": self.codes[sms.template],
                  "TemplateParam": json.dumps(sms.params, ensure_ascii=False, separators=(",", ":"))}
        return {**params, "Signature": aliyun_signature(params, self.secret)}

    async def send(self, http: httpx.AsyncClient, sms: Sms, now: datetime) -> Sent:
        if sms.template not in self.codes:
            return Sent(False, error=f"no Aliyun template code for {sms.template}", permanent=True)
        response = await http.post(self.endpoint, data=self.request(sms, now))
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = str(body.get("Code", f"HTTP {response.status_code}"))
        if code == "OK":
            return Sent(True, ref=body.get("BizId"))
        return Sent(False, error=f"{code}: {str(body.get('Message', response.text))[:200]}",
                    permanent=code in ALIYUN_PERMANENT)


# --- Tencent Cloud ----------------------------------------------------------------------------------------------

def _hmac256(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def tc3_authorization(*, secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int,
                      service: str = "sms", content_type: str = "application/json; charset=utf-8") -> str:
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(["POST", "/", "", f"content-type:{content_type}\nhost:{host}\n", "content-type;host",
                           hashlib.sha256(payload).hexdigest()])
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac256(_hmac256(_hmac256(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, "
            f"Signature={signature}")


TENCENT_PERMANENT = ("AuthFailure", "InvalidParameter", "UnauthorizedOperation", "MissingParameter",
                     "FailedOperation.TemplateIncorrectOrUnapproved", "FailedOperation.SignatureIncorrectOrUnapproved")


@dataclass
class Tencent:
    secret_id: str
    secret_key: str
    app_id: str
    sign_name: str
    codes: dict[str, str]
    endpoint: str = "https://sms.tencentcloudapi.com/"
    region: str = "ap-guangzhou"
    name: str = "tencent"

    def request(self, sms: Sms, now: datetime) -> tuple[bytes, dict[str, str]]:
        payload = json.dumps({"PhoneNumberSet": [f"+86{sms.phone}"], "SmsSdkAppId": self.app_id,
                              "SignName": self.sign_name, "TemplateId": self.codes[sms.template],
                              "TemplateParamSet": list(sms.params.values())},
                             ensure_ascii=False, separators=(",", ":")).encode()
        url = httpx.URL(self.endpoint)
        host = url.host + (f":{url.port}" if url.port else "")
        ts = int(now.timestamp())
        content_type = "application/json; charset=utf-8"
        headers = {"Content-Type": content_type, "Host": host, "X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11",
                   "X-TC-Timestamp": str(ts), "X-TC-Region": self.region,
                   "Authorization": tc3_authorization(secret_id=self.secret_id, secret_key=self.secret_key, host=host,
                                                      payload=payload, timestamp=ts, content_type=content_type)}
        return payload, headers

    async def send(self, http: httpx.AsyncClient, sms: Sms, now: datetime) -> Sent:
        if sms.template not in self.codes:
            return Sent(False, error=f"no Tencent template id for {sms.template}", permanent=True)
        payload, headers = self.request(sms, now)
        response = await http.post(self.endpoint, content=payload, headers=headers)
        try:
            body = response.json().get("Response", {})
        except ValueError:
            return Sent(False, error=f"HTTP {response.status_code}: {response.text[:200]}")
        if "Error" in body:
            code = str(body["Error"].get("Code"))
            return Sent(False, error=f"{code}: {body['Error'].get('Message', '')}"[:300],
                        permanent=code.startswith(TENCENT_PERMANENT))
        status = (body.get("SendStatusSet") or [{}])[0]
        if status.get("Code") == "Ok":
            return Sent(True, ref=status.get("SerialNo"))
        code = str(status.get("Code", f"HTTP {response.status_code}"))
        return Sent(False, error=f"{code}: {status.get('Message', '')}"[:300],
                    permanent=code.startswith(TENCENT_PERMANENT))


# --- a generic HTTP gateway -------------------------------------------------------------------------------------

@dataclass
class Gateway:
    url: str
    secret: str
    name: str = "http"
    extra: dict[str, Any] = field(default_factory=dict)

    async def send(self, http: httpx.AsyncClient, sms: Sms, now: datetime) -> Sent:
        body = json.dumps({"to": sms.phone, "template": sms.template, "params": sms.params, "text": sms.text,
                           **self.extra}, ensure_ascii=False, separators=(",", ":")).encode()
        ts = int(now.timestamp())
        headers = {"Content-Type": "application/json", webhook_rules.TIMESTAMP_HEADER: str(ts),
                   webhook_rules.SIGNATURE_HEADER: webhook_rules.sign(self.secret, ts, body)}
        response = await http.post(self.url, content=body, headers=headers)
        if 200 <= response.status_code < 300:
            try:
                ref = response.json().get("id")
            except ValueError:
                ref = None
            return Sent(True, ref=str(ref) if ref is not None else None)
        return Sent(False, error=f"HTTP {response.status_code}: {response.text[:200]}",
                    permanent=response.status_code in (400, 401, 403, 422))


def from_settings(settings: Settings) -> Provider | None:
    """The configured SMS provider, or None when SMS is off."""
    s = settings
    kind = s.notify_sms_provider
    if kind == "aliyun":
        return Aliyun(key_id=s.notify_sms_key_id or "", secret=s.notify_sms_key_secret or "",
                      sign_name=s.notify_sms_sign_name, codes=dict(s.notify_sms_templates),
                      endpoint=s.notify_sms_endpoint or "https://dysmsapi.aliyuncs.com/",
                      region=s.notify_sms_region or "cn-hangzhou")
    if kind == "tencent":
        return Tencent(secret_id=s.notify_sms_key_id or "", secret_key=s.notify_sms_key_secret or "",
                       app_id=s.notify_sms_app_id or "", sign_name=s.notify_sms_sign_name,
                       codes=dict(s.notify_sms_templates),
                       endpoint=s.notify_sms_endpoint or "https://sms.tencentcloudapi.com/",
                       region=s.notify_sms_region or "ap-guangzhou")
    if kind == "http" and s.notify_sms_endpoint:
        return Gateway(url=s.notify_sms_endpoint, secret=s.notify_sms_key_secret or "")
    return None
