"""Names and credentials of the local stack, shared by `serve`, `token` and the tests."""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import jwt

PROJECT_DIR = Path(__file__).resolve().parents[1]
REGION = "eu-west-1"
TABLE_NAME = "invoicing-local"
BUCKET_NAME = "invoicing-local-documents"
JOBS_QUEUE_NAME = "invoicing-local-jobs"
EVENT_BUS_NAME = "invoicing-local-events"  # the stack's EventBridge bus (decision 0064)
WEBHOOK_QUEUE_NAME = "invoicing-local-webhooks"
EVENTS_TAP_QUEUE_NAME = "invoicing-local-events-tap"  # a rule copies the bus's events here
MAIL_FROM = "invoices@invoicing.localhost"  # verified in the emulator's SES when it starts
# Signs tokens for the local stack only: no deployed stage is configured with an HS256 secret.
LOCAL_JWT_SECRET = "local-stack-only-secret-never-used-in-a-deployed-stage"  # noqa: S105
# The emulator accepts any credentials; these keep boto3 from looking for real ones.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
_STATE_DIR = Path(tempfile.gettempdir()) / "invoicing-local"


def local_token(tenant: str, user: str = "local-user", ttl_seconds: int = 3600) -> str:
    now = int(time.time())
    claims = {"tenant_id": tenant, "sub": user, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, LOCAL_JWT_SECRET, algorithm="HS256")


@dataclass(frozen=True)
class StackState:
    """What a running `invoicing serve` tells other commands: where its services listen."""

    api_port: int
    endpoint_url: str  # moto: S3, SES, SQS
    dynamodb_endpoint_url: str  # DynamoDB Local, or moto's without Java
    table: str
    bucket: str
    jobs_queue_url: str = ""
    engine: str = ""  # what serves DynamoDB, as `serve` announced it
    event_bus_name: str = ""
    webhook_queue_url: str = ""
    events_tap_url: str = ""  # what the bus took, for `invoicing events`

    def save(self) -> Path:
        _STATE_DIR.mkdir(parents=True, exist_ok=True)
        path = state_path(self.api_port)
        path.write_text(json.dumps(asdict(self)))
        return path

    def forget(self) -> None:
        state_path(self.api_port).unlink(missing_ok=True)

    @classmethod
    def load(cls, api_port: int) -> StackState | None:
        """The stack running on `api_port`; None when none is, or one of an older version left
        its file behind."""
        try:
            return cls(**json.loads(state_path(api_port).read_text()))
        except (OSError, ValueError, TypeError):
            return None


def state_path(api_port: int) -> Path:
    return _STATE_DIR / f"stack-{api_port}.json"


def events_path(api_port: int) -> Path:
    """Every event the local stack's bus took, one JSON object a line (`invoicing events`)."""
    return _STATE_DIR / f"events-{api_port}.jsonl"
