"""Local stand-ins for Alibaba Cloud's and Tencent Cloud's SMS APIs: real HTTP servers that check each request
as the provider's documentation specifies (the signature recomputed here, independently of app/, the
action, the version, the timestamp window, a fresh nonce, the template code and its parameters) and answer as
the provider does, refusing a bad signature.

- Alibaba Cloud (help.aliyun.com/document_detail/315526 and SendSms 2017-05-25): parameters sorted by name,
  each name and value percent-encoded (RFC 3986: space %20, * %2A, ~ kept), joined; StringToSign =
  "POST&%2F&" + encode(that); Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)); the
  Timestamp within 15 minutes; a SignatureNonce used once. Bad signature: HTTP 400, Code SignatureDoesNotMatch.
- Tencent Cloud (cloud.tencent.com/document/api/382/52072, 签名方法 v3): CanonicalRequest = "POST\\n/\\n\\n" +
  "content-type:<ct>\\nhost:<host>\\n\\n" + "content-type;host\\n" + hex(SHA256(body)); StringToSign =
  "TC3-HMAC-SHA256\\n<ts>\\n<date>/sms/tc3_request\\n" + hex(SHA256(CanonicalRequest)); the key is
  HMAC chained from "TC3"+SecretKey over the date, "sms", "tc3_request"; the timestamp within 5 minutes. Bad
  signature: HTTP 200 with Response.Error.Code AuthFailure.SignatureFailure.
"""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Fake:
    """The common part: a threaded local server, what it accepted and what it refused."""

    def __init__(self, *, key_id: str, secret: str, templates: dict[str, list[str]],
                 now: Callable[[], datetime]):
        self.key_id, self.secret, self.templates, self.now = key_id, secret, templates, now
        self.accepted: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.fail_next = 0  # answer this many valid requests with a provider-side error
        self.nonces: set[str] = set()
        self.last: tuple[str, dict[str, str], bytes] | None = None  # the last request: path, headers, body
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.last = (self.path, dict(self.headers.items()), body)
                status, answer = fake.handle(self.path, dict(self.headers.items()), body)
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _pct(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~")


class FakeAliyun(_Fake):
    """Takes the RPC signature v1 (parameters signed, HMAC-SHA1) and the v3 signature ACS3-HMAC-SHA256 (the
    Authorization header), whichever the request carries."""

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        h = {k.lower(): v for k, v in headers.items()}
        rid = str(uuid.uuid4())
        # RPC parameters come in the query string, the form body, or both (the SDK splits them); all are signed.
        query = urllib.parse.urlsplit(path).query
        form = body.decode() if "form" in h.get("content-type", "") else ""
        params = {**dict(urllib.parse.parse_qsl(query, keep_blank_values=True)),
                  **dict(urllib.parse.parse_qsl(form, keep_blank_values=True))}

        def refuse(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
            self.refused.append(code)
            return status, {"Code": code, "Message": message, "RequestId": rid}

        if h.get("authorization", "").startswith("ACS3-HMAC-SHA256"):
            problem = self._acs3(path, h, body)
            stamp_text, nonce = h.get("x-acs-date", ""), h.get("x-acs-signature-nonce", "")
        else:
            problem = self._v1(params)
            stamp_text, nonce = params.get("Timestamp", ""), params.get("SignatureNonce", "")
        if problem is not None:
            return refuse(*problem)
        stamp = datetime.strptime(stamp_text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs((self.now() - stamp).total_seconds()) > 900:
            return refuse(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        if not nonce or nonce in self.nonces:
            return refuse(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        self.nonces.add(nonce)
        if not params.get("SignName"):
            return refuse(200, "isv.SMS_SIGNATURE_ILLEGAL", "no SignName")
        names = self.templates.get(params.get("TemplateCode", ""))
        if names is None:
            return refuse(200, "isv.SMS_TEMPLATE_ILLEGAL", "unknown TemplateCode")
        values = json.loads(params.get("TemplateParam") or "{}")
        if sorted(values) != sorted(names):
            return refuse(200, "isv.TEMPLATE_MISSING_PARAMETERS", f"wants {names}")
        phone = params.get("PhoneNumbers", "")
        if not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
            return refuse(200, "isv.MOBILE_NUMBER_ILLEGAL", "bad number")
        if self.fail_next > 0:
            self.fail_next -= 1
            return 503, {"Code": "ServiceUnavailable", "Message": "The service is unavailable.", "RequestId": rid}
        self.accepted.append({"phone": phone, "template": params["TemplateCode"], "params": values})
        return 200, {"Code": "OK", "Message": "OK", "BizId": uuid.uuid4().hex[:20], "RequestId": rid}

    def _v1(self, params: dict[str, str]) -> tuple[int, str, str] | None:
        """RPC signature v1: every parameter but Signature, sorted and encoded; HMAC-SHA1 with "<secret>&"."""
        params = dict(params)
        given = params.pop("Signature", None)
        fixed = {"Action": "SendSms", "Version": "2017-05-25", "SignatureMethod": "HMAC-SHA1",
                 "SignatureVersion": "1.0", "Format": "JSON"}
        for name, value in fixed.items():
            if (params.get(name) or "").upper() != value.upper():
                return 400, "MissingParameter" if name not in params else "InvalidParameter", name
        if given is None:
            return 400, "IncompleteSignature", "no Signature"
        if params.get("AccessKeyId") != self.key_id:
            return 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
        canonical = "&".join(f"{_pct(k)}={_pct(v)}" for k, v in sorted(params.items()))
        to_sign = "POST&%2F&" + _pct(canonical)
        expected = base64.b64encode(hmac.new((self.secret + "&").encode(), to_sign.encode(),
                                             hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(expected, given):
            return 400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
        return None

    def _acs3(self, path: str, h: dict[str, str], body: bytes) -> tuple[int, str, str] | None:
        """Signature v3: CanonicalRequest = method, URI, sorted encoded query, the signed headers (lower-case
        names, trimmed values), their names, hex SHA-256 of the body; StringToSign = "ACS3-HMAC-SHA256\n" +
        hex SHA-256 of it; Signature = hex HMAC-SHA256(AccessKeySecret, StringToSign)."""
        if h.get("x-acs-action") != "SendSms" or h.get("x-acs-version") != "2017-05-25":
            return 400, "InvalidParameter", "x-acs-action / x-acs-version"
        _, _, rest = h["authorization"].partition(" ")
        parts = dict(p.strip().split("=", 1) for p in rest.split(",") if "=" in p)
        if parts.get("Credential") != self.key_id:
            return 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
        signed = parts.get("SignedHeaders", "").split(";")
        if not {"host", "x-acs-action", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"} <= set(signed):
            return 400, "IncompleteSignature", "signed headers"
        payload_hash = hashlib.sha256(body).hexdigest()
        if h.get("x-acs-content-sha256") != payload_hash:
            return 400, "IncompleteSignature", "x-acs-content-sha256"
        split = urllib.parse.urlsplit(path)
        pairs = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
        canonical_query = "&".join(f"{_pct(k)}={_pct(v)}" for k, v in sorted(pairs))
        canonical_headers = "".join(f"{name}:{h.get(name, '').strip()}\n" for name in signed)
        canonical = "\n".join([split.path or "/", canonical_query, canonical_headers, ";".join(signed), payload_hash])
        canonical = "POST\n" + canonical
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(self.secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts.get("Signature", "")):
            return 400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
        return None


class FakeTencent(_Fake):
    def __init__(self, *, app_id: str, **kw: Any):
        self.app_id = app_id
        super().__init__(**kw)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        h = {k.lower(): v for k, v in headers.items()}
        rid = str(uuid.uuid4())

        def error(code: str, message: str) -> tuple[int, dict[str, Any]]:
            self.refused.append(code)
            return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": rid}}

        if h.get("x-tc-action") != "SendSms" or h.get("x-tc-version") != "2021-01-11":
            return error("InvalidAction", "action or version")
        auth = h.get("authorization", "")
        algorithm, _, rest = auth.partition(" ")
        parts = dict(p.strip().split("=", 1) for p in rest.split(",") if "=" in p)
        if algorithm != "TC3-HMAC-SHA256" or not {"Credential", "SignedHeaders", "Signature"} <= parts.keys():
            return error("AuthFailure.InvalidAuthorization", "Authorization")
        secret_id, date, service, terminator = parts["Credential"].split("/")
        if secret_id != self.key_id:
            return error("AuthFailure.SecretIdNotFound", "SecretId")
        ts = int(h.get("x-tc-timestamp", "0"))
        if abs(self.now().timestamp() - ts) > 300:
            return error("AuthFailure.SignatureExpire", "timestamp")
        if date != datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d") or (service, terminator) != (
                "sms", "tc3_request"):
            return error("AuthFailure.InvalidAuthorization", "credential scope")
        signed = parts["SignedHeaders"].split(";")
        if "content-type" not in signed or "host" not in signed:
            return error("AuthFailure.InvalidAuthorization", "signed headers")
        # Header names lower case, values trimmed; content-type's value lower case too (the document's example).
        values = {name: h.get(name, "").strip() for name in signed}
        values["content-type"] = values["content-type"].lower()
        canonical_headers = "".join(f"{name}:{values[name]}\n" for name in signed)
        canonical = (f"POST\n/\n\n{canonical_headers}\n{parts['SignedHeaders']}\n"
                     f"{hashlib.sha256(body).hexdigest()}")
        scope = f"{date}/sms/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{ts}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = ("TC3" + self.secret).encode()
        for part in (date, "sms", "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts["Signature"]):
            return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        payload = json.loads(body)
        if payload.get("SmsSdkAppId") != self.app_id:
            return error("InvalidParameterValue.SdkAppIdNotExist", "SmsSdkAppId")
        names = self.templates.get(payload.get("TemplateId", ""))
        if names is None:
            return error("FailedOperation.TemplateIncorrectOrUnapproved", "TemplateId")
        values = payload.get("TemplateParamSet") or []
        if len(values) != len(names) or not all(isinstance(v, str) for v in values):
            return error("InvalidParameterValue.TemplateParameterFormatError", f"wants {names}")
        phones = payload.get("PhoneNumberSet") or []
        if len(phones) != 1 or not phones[0].startswith("+861") or len(phones[0]) != 14:
            return error("InvalidParameterValue.IncorrectPhoneNumber", "PhoneNumberSet")
        if self.fail_next > 0:
            self.fail_next -= 1
            return error("InternalError.RequestTimeException", "busy")
        self.accepted.append({"phone": phones[0][3:], "template": payload["TemplateId"],
                              "params": dict(zip(names, values, strict=True))})
        return 200, {"Response": {"SendStatusSet": [{"SerialNo": uuid.uuid4().hex, "PhoneNumber": phones[0], "Fee": 1,
                                                     "Code": "Ok", "Message": "send success"}], "RequestId": rid}}
