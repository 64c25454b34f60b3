"""The REST microservice's demo step: the items API (API Gateway -> Lambda -> DynamoDB) over
HTTP, the table through boto3, and the UI with its security headers and config."""

from __future__ import annotations

from localcloud.__main__ import api_key_values
from localcloud.cloud import LocalCloud

from .checks import Report, http, outputs_with, said


def run(cloud: LocalCloud, outputs: dict[str, dict[str, str]], report: Report) -> None:
    stack = outputs_with(outputs, "ApiUrl", "ApiKeyId", "TableName", "UiUrl")
    if stack is None:
        return
    report.section("REST microservice: API Gateway -> Lambda -> DynamoDB, and its UI")
    api, ui = stack["ApiUrl"], stack["UiUrl"]
    key = {"x-api-key": api_key_values(cloud)[stack["ApiKeyId"]]}

    refused = http("POST", f"{api}items", {"name": "Lamp"})
    report.check("POST /items without an API key is refused", refused.status == 403, said(refused))
    created = http("POST", f"{api}items", {"name": "Lamp", "price": 25}, key)
    report.check("POST /items creates an item", created.status == 201, said(created))
    if created.status != 201:
        return
    item = f"{api}items/{created.json()['id']}"
    invalid = http("POST", f"{api}items", {"name": ""}, key)
    report.check("a bad body is a 400 naming the field", invalid.status == 400, said(invalid))
    read = http("GET", item, headers=key)
    report.check("GET /items/{id} reads it back", read.status == 200, said(read))
    updated = http("PUT", item, {"name": "Desk lamp", "price": 30, "version": 1}, key)
    report.check(
        "PUT with the current version updates it",
        updated.status == 200 and updated.json()["version"] == 2,
        said(updated),
    )
    stale = http("PUT", item, {"name": "Old lamp", "version": 1}, key)
    report.check("PUT with a stale version is a conflict", stale.status == 409, said(stale))
    listed = http("GET", f"{api}items?limit=10", headers=key)
    names = (
        [entry["name"] for entry in listed.json().get("items", [])] if listed.status == 200 else []
    )
    report.check("GET /items lists it", "Desk lamp" in names, f"{listed.status} {names}")
    count = cloud.emulator.client("dynamodb").scan(TableName=stack["TableName"])["Count"]
    report.check("boto3 sees it in DynamoDB", count >= 1, f"{count} item(s) in the table")
    deleted = http("DELETE", item, headers=key)
    report.check("DELETE /items/{id} removes it", deleted.status == 204, said(deleted))
    gone = http("GET", item, headers=key)
    report.check("GET after DELETE is 404", gone.status == 404, said(gone))

    page = http("GET", ui)
    csp = page.headers.get("Content-Security-Policy", "")
    report.check(
        "the UI is served with its security headers",
        page.status == 200 and "default-src 'none'" in csp,
        f"{page.status} {ui}",
    )
    config = http("GET", f"{ui}config.json")
    report.check(
        "the UI's config.json points at the local API",
        config.status == 200 and config.json().get("apiUrl") == api,
        said(config),
    )
