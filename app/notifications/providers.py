"""SMS providers: Alibaba Cloud and Tencent Cloud through their official SDKs (their async calls), and a
generic HTTP gateway through httpx.

- Alibaba Cloud: alibabacloud-dysmsapi20170525 (SendSms, 2017-05-25). The SDK signs, by default with the v3
  signature ACS3-HMAC-SHA256 (help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature), or
  with the RPC signature v1, HMAC-SHA1 (help.aliyun.com/document_detail/315526).
- Tencent Cloud: tencentcloud-sdk-python-sms (SendSms, 2021-01-11), signed TC3-HMAC-SHA256
  (cloud.tencent.com/document/api/382/52072).
- The generic gateway takes JSON {to, template, params, text} signed like the units' webhooks:
  X-CSC-Signature: sha256=HMAC(secret, "<timestamp>.<body>").

The tests run all three against local servers that check the signatures as the providers document them.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

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

def _host_and_scheme(endpoint: str) -> tuple[str, str]:
    """"https://dysmsapi.aliyuncs.com/" -> ("dysmsapi.aliyuncs.com", "https"); a bare host is https."""
    url = httpx.URL(endpoint if "://" in endpoint else f"https://{endpoint}")
    return url.host + (f":{url.port}" if url.port else ""), url.scheme


ALIYUN_PERMANENT = ("SignatureDoesNotMatch", "IncompleteSignature", "InvalidAccessKeyId", "isv.MOBILE_NUMBER_ILLEGAL",
                    "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS",
                    "isv.INVALID_PARAMETERS", "Forbidden.RAM")


@dataclass
class Aliyun:
    """SendSms (2017-05-25) through Alibaba Cloud's SDK (alibabacloud-dysmsapi20170525), its async call."""

    key_id: str
    secret: str
    sign_name: str
    codes: dict[str, str]
    endpoint: str = "https://dysmsapi.aliyuncs.com/"
    region: str = "cn-hangzhou"
    # None: the SDK's default, the v3 signature ACS3-HMAC-SHA256; "v2" makes it sign with the RPC signature v1
    # (HMAC-SHA1 over the sorted parameters). The local fake checks both.
    signature_algorithm: str | None = None
    name: str = "aliyun"

    def client(self) -> Any:
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as openapi

        host, scheme = _host_and_scheme(self.endpoint)
        return Client(openapi.Config(access_key_id=self.key_id, access_key_secret=self.secret, endpoint=host,
                                     protocol=scheme, region_id=self.region,
                                     signature_algorithm=self.signature_algorithm))

    async def send(self, http: httpx.AsyncClient, sms: Sms, now: datetime) -> Sent:
        from alibabacloud_dysmsapi20170525 import models

        if sms.template not in self.codes:
            return Sent(False, error=f"no Aliyun template code for {sms.template}", permanent=True)
        request = models.SendSmsRequest(phone_numbers=sms.phone, sign_name=self.sign_name,
                                        template_code=self.codes[sms.template],
                                        template_param=json.dumps(sms.params, ensure_ascii=False))
        try:
            response = await self.client().send_sms_async(request)
        except Exception as exc:  # noqa: BLE001 - the SDK raises its own exceptions, with the provider's code
            code = str(getattr(exc, "code", None) or type(exc).__name__)
            message = str(getattr(exc, "message", None) or exc)
            return Sent(False, error=f"{code}: {message}"[:300], permanent=code in ALIYUN_PERMANENT)
        body = response.body
        if body.code == "OK":
            return Sent(True, ref=body.biz_id)
        return Sent(False, error=f"{body.code}: {body.message}"[:300], permanent=body.code in ALIYUN_PERMANENT)


# --- Tencent Cloud ----------------------------------------------------------------------------------------------

TENCENT_PERMANENT = ("AuthFailure", "InvalidParameter", "UnauthorizedOperation", "MissingParameter",
                     "FailedOperation.TemplateIncorrectOrUnapproved", "FailedOperation.SignatureIncorrectOrUnapproved")


@dataclass
class Tencent:
    """SendSms (2021-01-11) through Tencent Cloud's SDK (tencentcloud-sdk-python-sms), its async client."""

    secret_id: str
    secret_key: str
    app_id: str
    sign_name: str
    codes: dict[str, str]
    endpoint: str = "https://sms.tencentcloudapi.com/"
    region: str = "ap-guangzhou"
    timeout_seconds: int = 10
    name: str = "tencent"

    def client(self) -> Any:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client_async

        host, scheme = _host_and_scheme(self.endpoint)
        profile = ClientProfile(httpProfile=HttpProfile(protocol=scheme, endpoint=host,
                                                        reqTimeout=self.timeout_seconds))
        return sms_client_async.SmsClient(credential.Credential(self.secret_id, self.secret_key), self.region,
                                          profile)

    async def send(self, http: httpx.AsyncClient, sms: Sms, now: datetime) -> Sent:
        from tencentcloud.sms.v20210111 import models

        if sms.template not in self.codes:
            return Sent(False, error=f"no Tencent template id for {sms.template}", permanent=True)
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{sms.phone}"]
        request.SmsSdkAppId, request.SignName = self.app_id, self.sign_name
        request.TemplateId, request.TemplateParamSet = self.codes[sms.template], list(sms.params.values())
        try:
            response = await self.client().SendSms(request)
        except Exception as exc:  # noqa: BLE001 - TencentCloudSDKException carries the provider's code
            code = str(getattr(exc, "code", None) or type(exc).__name__)
            message = str(getattr(exc, "message", None) or exc)
            return Sent(False, error=f"{code}: {message}"[:300], permanent=code.startswith(TENCENT_PERMANENT))
        status = (response.SendStatusSet or [None])[0]
        if status is not None and status.Code == "Ok":
            return Sent(True, ref=status.SerialNo)
        code = str(status.Code if status is not None else "NoStatus")
        return Sent(False, error=f"{code}: {status.Message if status is not None else ''}"[:300],
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
