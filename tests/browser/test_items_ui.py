"""The items UI (web/items/) in a real browser, Debian's Chromium driven by Playwright, against
the REST microservice deployed in the local cloud: what a person does with it, from the first
visit to deleting an item, and nothing going wrong in the page on the way."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from typing import Any

from playwright.sync_api import Dialog, Locator, Page, expect

from tests.e2e.conftest import RestApi

from .conftest import TIMEOUT_MS, PageProblems

SHOWING = re.compile(r"^Showing \d+ items?")


def api_get(api: RestApi, path: str) -> tuple[int, Any]:
    """GET from the API directly (urllib, not the browser), with the key."""
    request = urllib.request.Request(f"{api.url}{path}", headers={"x-api-key": api.key})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, None


def item_row(page: Page, item_id: str) -> Locator:
    return page.locator(f'#items-table tr[data-item-id="{item_id}"]')


def reveal(page: Page, item_id: str) -> Locator:
    """The item's row once the list has loaded, pressing "Load more" while it is on a later
    page (other tests share the table)."""
    row = item_row(page, item_id)
    expect(page.locator("#status")).to_have_text(SHOWING)
    for _ in range(50):
        if row.count() or not page.locator("#load-more").is_visible():
            break
        page.click("#load-more")
        expect(page.locator("#status")).to_have_text(SHOWING)
    return row


def test_a_person_lists_creates_and_deletes_items_in_the_browser(
    page: Page, problems: PageProblems, rest_api: RestApi
) -> None:
    status, form_error = page.locator("#status"), page.locator("#form-error")
    name = f"Browser lamp {uuid.uuid4().hex[:8]}"

    # GIVEN a first visit to the UI, with no key saved in this browser
    page.goto(rest_api.ui)
    # THEN it asks for the key
    expect(status).to_have_text("Enter the API key above and press Save to list items.")
    expect(page.locator("#api-key")).to_have_value("")
    expect(page.locator("#items-table tr")).to_have_count(0)

    # WHEN the key value is saved
    page.fill("#api-key", rest_api.key)
    page.click("#save-key")
    # THEN the items are listed
    expect(status).to_have_text(SHOWING)

    # WHEN an item is created through the form
    page.fill("#item-name", name)
    page.fill("#item-description", "Made by the browser test")
    page.fill("#item-price", "12.5")
    page.fill("#item-tags", "red, large")
    page.click("#create-item")
    # THEN its row appears, as entered, and the form is cleared for the next one
    row = page.locator("#items-table tr", has=page.get_by_text(name, exact=True))
    expect(row).to_have_count(1)
    expect(row.locator("td.num")).to_have_text("12.50")
    expect(row.locator(".tag")).to_have_text(["red", "large"])
    expect(row.locator(".item-description")).to_have_text("Made by the browser test")
    expect(status).to_have_text(f"Created “{name}”.")
    expect(form_error).to_be_hidden()
    expect(page.locator("#item-name")).to_have_value("")
    item_id = row.get_attribute("data-item-id")
    assert item_id
    # AND the API has it
    found, body = api_get(rest_api, f"items/{item_id}")
    assert found == 200
    assert (body["name"], body["price"], body["tags"]) == (name, 12.5, ["red", "large"])

    # WHEN the price has more than two decimals
    page.fill("#item-name", f"{name} (too precise)")
    page.fill("#item-price", "1.234")
    page.click("#create-item")
    # THEN the API's reason shows next to the form, on the price field, and nothing is created
    expect(form_error).to_be_visible()
    expect(form_error).to_contain_text("at most 2 decimal places")
    expect(page.locator("#item-price")).to_have_attribute("aria-invalid", "true")
    expect(status).to_have_text("The item was not created.")
    expect(page.get_by_text(f"{name} (too precise)", exact=True)).to_have_count(0)

    # WHEN the name is left empty
    rows_before = page.locator("#items-table tr").count()
    page.fill("#item-name", "")
    page.fill("#item-price", "3")
    page.click("#create-item")
    # THEN the page says so on the name field before sending anything (API Gateway's validator
    # would answer with a message naming no field), the price is no longer marked, and nothing
    # is created
    expect(page.locator("#item-price")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#item-name")).to_have_attribute("aria-invalid", "true")
    expect(form_error).to_have_text("Name is required.")
    expect(status).to_have_text("The item was not created.")
    expect(page.locator("#items-table tr")).to_have_count(rows_before)

    # WHEN the page is reloaded
    page.reload()
    # THEN the key is kept in this browser and the item is still listed
    expect(page.locator("#api-key")).to_have_value(rest_api.key)
    row = reveal(page, item_id)
    expect(row).to_have_count(1)
    expect(row.locator(".item-name")).to_have_text(name)

    # WHEN it is deleted, and the confirm dialog accepted
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.accept()

    page.once("dialog", accept)
    row.locator("button.delete-item").click()
    # THEN the row disappears, after the person confirmed it
    expect(row).to_have_count(0)
    expect(status).to_have_text(f"Deleted “{name}”.")
    assert dialogs == [f"confirm: Delete “{name}”? This cannot be undone."]
    # AND the API no longer has it
    assert api_get(rest_api, f"items/{item_id}")[0] == 404

    # AND nothing went wrong in the page on the way: no uncaught exception, no CSP violation,
    # no console error except Chromium's note on each of the two POSTs the API rejected
    rejected = f"the server responded with a status of 400 (Bad Request) [{rest_api.url}items]"
    assert problems.page_errors == []
    assert problems.csp_violations == []
    assert [error for error in problems.console_errors if not error.endswith(rejected)] == []


def test_the_page_watch_sees_csp_violations(
    page: Page, problems: PageProblems, rest_api: RestApi
) -> None:
    """The check above means something: a request the CSP forbids is caught by both watches."""
    # GIVEN the UI WHEN its page tries to reach another origin (connect-src is 'self' and the API)
    page.goto(rest_api.ui)
    expect(page.locator("#status")).to_have_text(re.compile(r"^Enter the API key"))
    page.evaluate("fetch('http://127.0.0.1:9/').catch(() => null)")
    # THEN the violation is reported, and Chromium logs it as a console error
    for _ in range(TIMEOUT_MS // 50):  # the report comes back asynchronously
        if problems.csp_violations:
            break
        page.wait_for_timeout(50)
    assert [(v["directive"], v["blocked"]) for v in problems.csp_violations] == [
        ("connect-src", "http://127.0.0.1:9/")
    ]
    assert any("Content Security Policy" in error for error in problems.console_errors)
