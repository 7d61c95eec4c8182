"""Settings from the environment.

Every variable takes the prefix ``CSC_`` (``CSC_TOKEN_TTL_MINUTES``), except
``DATABASE_URL`` which is also read bare because every platform sets it so.
"""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CSC_", extra="ignore")

    # Empty means the embedded default: a SQLite file in data_dir.
    database_url: str = Field(default="", validation_alias=AliasChoices("CSC_DATABASE_URL", "DATABASE_URL"))
    data_dir: Path = ROOT / "data"
    seed_dir: Path = ROOT / "seed"

    # Secrets: taken from the environment in production; on a bare machine they
    # are generated once into data_dir/keys.json so restarts keep tokens valid.
    jwt_secret: str | None = None
    field_key: str | None = None  # Fernet key for sensitive columns
    lookup_key: str | None = None  # HMAC key for searchable hashes

    token_ttl_minutes: int = 120
    # 等保 2.0 practice: 8+ characters from at least 3 character classes.
    password_min_length: int = 8
    password_min_classes: int = 3
    login_max_failures: int = 5
    login_failure_window_minutes: int = 15
    lockout_minutes: int = 15
    # Rate limits (app/core/ratelimit.py), per process: "count/period", period one of second, minute, hour, day,
    # optionally with a number ("5/10minutes"). Generous enough for a counter of staff behind one address.
    rate_limits_enabled: bool = True
    rate_limit_login_per_ip: str = "30/minute"
    rate_limit_login_per_username: str = "10/minute"
    rate_limit_register_per_ip: str = "20/hour"
    rate_limit_report_per_user: str = "30/hour"
    rate_limit_open311_per_ip: str = "60/minute"
    rate_limit_open311_per_key: str = "300/minute"
    # Browsers: origins allowed to call the API (CORS), comma-separated in the environment; empty means no CORS
    # headers at all.
    cors_origins: Annotated[list[str], NoDecode] = []
    # Strict-Transport-Security max-age in seconds; 0 leaves the header out (a deployment served over plain HTTP).
    hsts_seconds: int = 31536000
    # When set, GET /metrics needs `Authorization: Bearer <this>` (Prometheus' scrape `authorization` setting);
    # unset, it is open, for a deployment that serves /metrics only on an internal network.
    metrics_token: str | None = None

    # Files (app/files): uploads are kept on local disk under data_dir/files, addressed by their SHA-256, unless
    # files_s3_bucket names an S3-compatible bucket (the same code path, through obstore). Types are sniffed from
    # the bytes; the list is comma-separated in the environment.
    files_max_bytes: int = 20 * 1024 * 1024
    files_max_per_case: int = 20
    files_allowed_types: Annotated[list[str], NoDecode] = ["image/jpeg", "image/png", "image/webp",
                                                           "application/pdf"]
    files_max_image_pixels: int = 50_000_000  # larger images are refused (decompression bombs)
    files_thumbnail_px: int = 320  # a thumbnail's longer side
    files_url_ttl_seconds: int = 300  # a signed download link lives this long
    files_public_url_ttl_seconds: int = 3600  # public images (Open311 media_url): about this long, at least
    files_orphan_grace_hours: int = 24  # an upload no record references is removed after this
    files_s3_bucket: str | None = None
    files_s3_endpoint: str | None = None  # MinIO, Ceph, OSS or COS: their S3 endpoint; empty for AWS
    files_s3_region: str = "us-east-1"
    files_s3_access_key_id: str | None = None
    files_s3_secret_access_key: str | None = None
    files_s3_prefix: str = ""  # a folder inside the bucket
    files_s3_allow_http: bool = False  # an endpoint on plain http (a local MinIO)

    # Notifications to residents (app/notifications): words and rules in seed/notifications.yaml; the SMS
    # provider here. notify_sms_provider: none | aliyun | tencent | http (a gateway taking {to, template, params,
    # text}, signed with notify_sms_key_secret). notify_sms_templates maps our template names to the provider's
    # approved template codes, as JSON in the environment ({"receipt": "SMS_123456"}).
    notify_sms_provider: str = "none"
    notify_sms_endpoint: str | None = None  # the provider's default when empty; a local server in tests
    notify_sms_key_id: str | None = None  # Aliyun AccessKeyId / Tencent SecretId
    notify_sms_key_secret: str | None = None  # Aliyun AccessKeySecret / Tencent SecretKey / the gateway's secret
    notify_sms_sign_name: str = ""  # the approved signature (签名), e.g. 某某区政务服务
    notify_sms_region: str = ""
    notify_sms_app_id: str | None = None  # Tencent's SmsSdkAppId
    notify_sms_templates: dict[str, str] = {}
    notify_public_url: str = ""  # where residents open the app: the rating link is <this><notify_case_path>
    notify_case_path: str = "/m/#/case/{case_id}"  # the case's page there (the bundled resident page by default)
    notify_interval_seconds: float = 2.0
    notify_timeout_seconds: float = 5.0

    timezone: str = "Asia/Shanghai"
    deadline_profile: str = "shanghai_subdistrict"
    care_policy: str = "nanjing"  # seed/care_policies.yaml: subsidy bands, time-bank cap, volunteer rules
    idempotency_ttl_hours: int = 24
    # The longest a process keeps reference data (routing, gazetteer, calendar, profiles, indexes) unread. A change
    # made through the application reaches every process within `cache_poll_seconds` (app/core/shared.py); this
    # bounds only a change made behind its back (SQL by hand). A reload costs a process tens of milliseconds of
    # CPU in the request that meets it, so a short time spent that on every process again and again.
    routing_cache_seconds: float = 300.0
    # How often a process reads the cache versions other processes publish (app/core/shared.py); 0: never.
    cache_poll_seconds: float = 1.0
    # Where rate-limit buckets live: "database" (shared by every process), "memory" (this process), or "auto":
    # the database on PostgreSQL, memory on SQLite (one process; its one connection is the request's).
    rate_limit_store: str = "auto"

    run_worker_in_serve: bool = True
    worker_interval_seconds: float = 30.0
    # Webhook delivery (the outbox): how often to look, how long to wait for a unit, when to give up.
    delivery_interval_seconds: float = 2.0
    delivery_timeout_seconds: float = 5.0
    delivery_max_attempts: int = 8
    delivery_backoff_base_seconds: float = 5.0
    delivery_backoff_cap_seconds: float = 3600.0
    delivery_lease_seconds: float = 60.0  # a worker killed mid-delivery frees its events after this
    feed_settle_seconds: float = 5.0  # a unit's poll feed shows events this old, so none still committing is skipped
    inbound_signature_tolerance_seconds: int = 300  # a unit system's signed call this far off the clock is refused
    device_clock_skew_seconds: int = 300  # a phone's clock this far off is not "the future" or "the past"

    log_level: str = "INFO"
    log_json: bool = True
    pool_size: int = 10
    # PostgreSQL: case numbers a process reserves at a time for a district and day (app/cases/numbering.py).
    case_number_block: int = 16
    # While the database is down, requests fail fast (503 database_unavailable) instead of hanging. Not shorter:
    # a busy host needs seconds to start a backend, and asyncpg counts its SSL negotiation in the timeout (2 s
    # failed 12 simultaneous connects while the test suite loaded the machine's two cores).
    db_connect_timeout_seconds: float = 5.0
    db_pool_timeout_seconds: float = 5.0
    # A pooled PostgreSQL connection idle this long is pinged before use (a restart may have broken it); one used
    # more recently is taken as alive. 0 pings at every checkout (three round trips on asyncpg).
    db_ping_idle_seconds: float = 2.0

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("files_allowed_types", mode="before")
    @classmethod
    def _types(cls, value: object) -> object:
        if isinstance(value, str):
            return [t.strip().lower() for t in value.split(",") if t.strip()]
        return value

    @model_validator(mode="after")
    def _default_database(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'csc.db'}"
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
