"""The tenant's webhooks under /api/v1/webhooks: register an https endpoint for some event types
(its signing secret is answered this once), list, read and delete them; send one a test event,
read its deliveries, and make one more attempt at a delivery now. Events are signed as the
Standard Webhooks specification says (webhook-id, webhook-timestamp, webhook-signature)."""

from __future__ import annotations

from typing import Any, TypedDict, cast

from chalice.app import Response

from chalicelib.api.http import json_body, json_response, no_content
from chalicelib.api.operations import (
    Operation,
    json_answer,
    json_request,
    no_content_answer,
)
from chalicelib.api.paging import PAGE_QUERY, page_answer, page_params, page_response
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.security import current_actor
from chalicelib.bootstrap import use_cases
from chalicelib.domain.values import DateTimeText, format_timestamp
from chalicelib.domain.webhooks import Webhook, WebhookDelivery, WebhookInput, endpoint_json

webhooks = ApiBlueprint(__name__)


class WebhookAnswer(TypedDict):
    """An endpoint as read: never its secret."""

    id: str
    url: str
    eventTypes: list[str]
    description: str | None
    created: DateTimeText
    createdBy: str
    # Whether events go to it: an endpoint whose deliveries all failed for 5 days is disabled
    # until enabled again (POST .../enable); failingSince is its first failure since a success.
    disabled: bool
    disabledAt: DateTimeText | None
    disabledReason: str | None
    failingSince: DateTimeText | None


class NewWebhookAnswer(WebhookAnswer):
    secret: str  # whsec_ and the key in base64, answered this once


class DeliveryAnswer(TypedDict):
    """One event sent to one endpoint: its attempts and what the last one got (the receiver's
    HTTP status, or the error that left it without one)."""

    id: str
    webhookId: str
    eventId: str  # the webhook-id header of every attempt
    eventType: str
    status: str  # succeeded | failed
    attempts: int
    lastStatus: int | None
    lastError: str | None
    created: DateTimeText
    lastAttemptAt: DateTimeText


def webhook_json(endpoint: Webhook) -> WebhookAnswer:
    return cast(WebhookAnswer, endpoint_json(endpoint))


def delivery_json(delivery: WebhookDelivery) -> dict[str, Any]:
    assert delivery.created is not None and delivery.last_attempt_at is not None
    answer: DeliveryAnswer = {
        "id": delivery.id,
        "webhookId": delivery.webhook_id,
        "eventId": delivery.event_id,
        "eventType": delivery.event_type,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "lastStatus": delivery.last_status,
        "lastError": delivery.last_error,
        "created": format_timestamp(delivery.created),
        "lastAttemptAt": format_timestamp(delivery.last_attempt_at),
    }
    return dict(answer)


@webhooks.route(
    "/webhooks",
    methods=["POST"],
    operation=Operation(
        "createWebhook",
        "Register a webhook endpoint",
        (
            json_answer(
                201,
                "The endpoint, with its signing secret, answered this once",
                NewWebhookAnswer,
                "Location",
            ),
        ),
        refuses=(400, 409, 413),
        body=json_request(WebhookInput, 'Its URL, the event types it hears (or ["*"])'),
    ),
)
def create_webhook() -> Response:
    given = json_body(webhooks.current_request, WebhookInput)
    made = use_cases().webhooks.create(given, actor=current_actor())
    answer: NewWebhookAnswer = {**webhook_json(made), "secret": made.secret}
    return json_response(answer, status=201, headers={"Location": f"webhooks/{made.id}"})


@webhooks.route(
    "/webhooks",
    methods=["GET"],
    operation=Operation(
        "listWebhooks",
        "List the tenant's webhook endpoints",
        (json_answer(200, "Every endpoint of the tenant, oldest first", list[WebhookAnswer]),),
    ),
)
def list_webhooks() -> Response:
    found = use_cases().webhooks.list(actor=current_actor())
    return json_response([webhook_json(endpoint) for endpoint in found])


@webhooks.route(
    "/webhooks/{webhookId}",
    methods=["GET"],
    operation=Operation(
        "getWebhook",
        "Read a webhook endpoint",
        (json_answer(200, "The endpoint", WebhookAnswer),),
        refuses=(404,),
    ),
)
def get_webhook(webhookId: str) -> Response:
    return json_response(webhook_json(use_cases().webhooks.get(webhookId, actor=current_actor())))


@webhooks.route(
    "/webhooks/{webhookId}",
    methods=["DELETE"],
    operation=Operation(
        "deleteWebhook",
        "Delete a webhook endpoint",
        (no_content_answer("Deleted: no event goes to it from now on"),),
        refuses=(404,),
    ),
)
def delete_webhook(webhookId: str) -> Response:
    use_cases().webhooks.delete(webhookId, actor=current_actor())
    return no_content()


@webhooks.route(
    "/webhooks/{webhookId}/enable",
    methods=["POST"],
    operation=Operation(
        "enableWebhook",
        "Enable an endpoint again, its failures forgotten",
        (json_answer(200, "The endpoint, enabled: events go to it from now on", WebhookAnswer),),
        refuses=(404,),
    ),
)
def enable_webhook(webhookId: str) -> Response:
    enabled = use_cases().webhooks.enable(webhookId, actor=current_actor())
    return json_response(webhook_json(enabled))


@webhooks.route(
    "/webhooks/{webhookId}/test",
    methods=["POST"],
    operation=Operation(
        "testWebhook",
        "Send the endpoint a webhook.test event now",
        (
            json_answer(
                201,
                "The delivery, after its one attempt (failed or not)",
                DeliveryAnswer,
                "Location",
            ),
        ),
        refuses=(404,),
    ),
)
def send_test_event(webhookId: str) -> Response:
    made = use_cases().webhooks.send_test(webhookId, actor=current_actor())
    location = {"Location": f"deliveries/{made.id}"}
    return json_response(delivery_json(made), status=201, headers=location)


@webhooks.route(
    "/webhooks/{webhookId}/deliveries",
    methods=["GET"],
    operation=Operation(
        "listWebhookDeliveries",
        "List an endpoint's deliveries, newest first",
        (page_answer(list[DeliveryAnswer], "A page of deliveries, newest first"),),
        refuses=(400, 404),
        query=PAGE_QUERY,
    ),
)
def list_webhook_deliveries(webhookId: str) -> Response:
    limit, cursor = page_params(webhooks.current_request)
    page = use_cases().webhooks.deliveries(
        webhookId, actor=current_actor(), limit=limit, cursor=cursor
    )
    return page_response(page, limit, "deliveries", delivery_json)


@webhooks.route(
    "/webhooks/{webhookId}/deliveries/{deliveryId}",
    methods=["GET"],
    operation=Operation(
        "getWebhookDelivery",
        "Read one delivery",
        (json_answer(200, "The delivery", DeliveryAnswer),),
        refuses=(404,),
    ),
)
def get_webhook_delivery(webhookId: str, deliveryId: str) -> Response:
    found = use_cases().webhooks.delivery(webhookId, deliveryId, actor=current_actor())
    return json_response(delivery_json(found))


@webhooks.route(
    "/webhooks/{webhookId}/deliveries/{deliveryId}/retry",
    methods=["POST"],
    operation=Operation(
        "retryWebhookDelivery",
        "Make one more attempt at a delivery now, with the same event id",
        (json_answer(200, "The delivery after that attempt (failed or not)", DeliveryAnswer),),
        refuses=(404, 409),
    ),
)
def retry_webhook_delivery(webhookId: str, deliveryId: str) -> Response:
    again = use_cases().webhooks.retry(webhookId, deliveryId, actor=current_actor())
    return json_response(delivery_json(again))
