"""The notes app (web/notes/) in a real browser, Debian's Chromium driven by Playwright, against
the web application deployed in the local cloud: two people sign up, confirm, sign in (SRP),
write notes and sign out, and neither sees the other's; the session refreshes itself before the
access token expires, and a session that ended sends the person back to sign in."""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from pathlib import Path

from playwright.sync_api import Dialog, Page, Request, expect

from localcloud.cognito import outbox
from tests.local_cloud import WebApp

from .conftest import PageProblems

PASSWORD = "Correct-Horse-42!"
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "web-application.png"


def new_email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.com"


def sign_up_and_confirm(page: Page, web_app: WebApp, email: str) -> None:
    page.click("#go-sign-up")
    expect(page.locator("#sign-up-heading")).to_be_focused()
    page.fill("#sign-up-email", email)
    page.fill("#sign-up-password", PASSWORD)
    page.click("#sign-up")
    expect(page.locator("#confirm-heading")).to_be_focused()
    expect(page.locator("#confirm-email")).to_have_text(email)
    # The code the pool would have e-mailed (make local prints it)
    code = outbox.latest_code(web_app.pool_id, email)
    assert code is not None
    page.fill("#confirm-code", code)
    page.click("#confirm")
    expect(page.locator("#status")).to_have_text("Your e-mail address is confirmed. Sign in.")
    expect(page.locator("#sign-in-email")).to_have_value(email)


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.fill("#sign-in-email", email)
    page.fill("#sign-in-password", password)
    page.click("#sign-in")


def note_item(page: Page, title: str):  # type: ignore[no-untyped-def]
    return page.locator("#notes li", has=page.get_by_role("heading", name=title, exact=True))


def test_two_people_keep_their_own_notes(
    page: Page, problems: PageProblems, web_app: WebApp, tmp_path: Path
) -> None:
    ada, ben = new_email("ada"), new_email("ben")
    status, error = page.locator("#status"), page.locator("#error")

    # GIVEN a first visit THEN the page offers to sign in, and nobody is signed in
    page.goto(web_app.url)
    expect(page.locator("#sign-in-heading")).to_be_visible()
    expect(page.locator("#account")).to_be_hidden()

    # WHEN Ada creates an account and confirms it with the code THEN she can sign in
    sign_up_and_confirm(page, web_app, ada)
    # AND a wrong password is refused in plain words
    sign_in(page, ada, "Not-Her-Password-1!")
    expect(error).to_have_text("Incorrect e-mail address or password.")
    sign_in(page, ada)
    expect(page.locator("#account-email")).to_have_text(ada)
    # (the list is drawn empty before it is read: wait for the read, or its answer may land
    # after the note below is added and replace the page's word on it)
    expect(status).to_have_text("0 notes.")
    expect(page.locator("#no-notes")).to_be_visible()
    expect(error).to_be_hidden()

    # WHEN she adds a note THEN it is listed and the API has it
    page.fill("#new-title", "Groceries")
    page.fill("#new-body", "milk\neggs")
    page.click("#add-note")
    expect(status).to_have_text("Added “Groceries”.")
    groceries = note_item(page, "Groceries")
    expect(groceries.locator(".note-body")).to_have_text("milk\neggs")
    expect(page.locator("#new-title")).to_be_focused()

    # WHEN she adds one without a title THEN the page says so on the field, and sends nothing
    page.click("#add-note")
    expect(error).to_have_text("A note needs a title.")
    expect(page.locator("#new-title")).to_have_attribute("aria-invalid", "true")

    # WHEN she edits it (keyboard only: the Edit button, then the form)
    groceries.get_by_role("button", name="Edit “Groceries”").press("Enter")
    expect(page.locator(".edit-title")).to_be_focused()
    page.fill(".edit-title", "Groceries for Sunday")
    page.fill(".edit-body", "milk\neggs\nbread")
    page.locator(".edit-title").press("Enter")
    # THEN the list shows the new text, and focus is back on the note
    expect(status).to_have_text("Saved “Groceries for Sunday”.")
    edited = note_item(page, "Groceries for Sunday")
    expect(edited.locator(".note-body")).to_have_text("milk\neggs\nbread")
    expect(edited.get_by_role("button", name="Edit “Groceries for Sunday”")).to_be_focused()

    # WHEN she adds a second note and deletes the first, confirming
    page.fill("#new-title", "Ada's secret plan")
    page.fill("#new-body", "Bake a cake for the team on Friday.")
    page.click("#add-note")
    expect(note_item(page, "Ada's secret plan")).to_have_count(1)
    # (the test's artifact; UPDATE_DOCS_SCREENSHOTS=1 refreshes the README's copy)
    page.screenshot(path=tmp_path / "notes.png", full_page=True)
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS"):
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "notes.png", DOCS_SCREENSHOT)
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    edited.get_by_role("button", name="Delete “Groceries for Sunday”").click()
    expect(status).to_have_text("Deleted “Groceries for Sunday”.")
    expect(edited).to_have_count(0)
    assert dialogs == ["Delete “Groceries for Sunday”? This cannot be undone."]

    # WHEN she signs out THEN she is back at sign-in, and a reload does not sign her in
    page.click("#sign-out")
    expect(status).to_have_text("You are signed out.")
    expect(page.locator("#account")).to_be_hidden()
    page.reload()
    expect(page.locator("#sign-in-heading")).to_be_visible()

    # WHEN Ben signs up and in THEN he sees none of Ada's notes
    sign_up_and_confirm(page, web_app, ben)
    sign_in(page, ben)
    expect(page.locator("#account-email")).to_have_text(ben)
    expect(status).to_have_text("0 notes.")
    expect(page.locator("#no-notes")).to_be_visible()
    expect(page.get_by_text("Ada's secret plan")).to_have_count(0)

    # AND nothing went wrong in the page: no uncaught exception, no CSP violation, and no
    # console error but Chromium's note on the one request refused on purpose (the password)
    refused = "the server responded with a status of 400 (Bad Request)"
    assert problems.page_errors == []
    assert problems.csp_violations == []
    assert [e for e in problems.console_errors if refused not in e] == []
    assert len(problems.console_errors) == 1


def test_the_session_refreshes_itself_before_the_access_token_expires(
    page: Page, problems: PageProblems, web_app: WebApp
) -> None:
    email = new_email("cy")
    web_app.sign_up(email, PASSWORD)
    refreshes: list[Request] = []

    def watch(request: Request) -> None:
        if request.method == "POST" and "REFRESH_TOKEN_AUTH" in (request.post_data or ""):
            refreshes.append(request)

    page.on("request", watch)
    # GIVEN a signed-in person, on a page whose clock the test moves
    page.clock.install()
    page.goto(web_app.url)
    sign_in(page, email)
    expect(page.locator("#account-email")).to_have_text(email)
    assert refreshes == []
    # WHEN 55 minutes pass (the access token lives 60)
    page.clock.fast_forward("55:00")
    # THEN the page has refreshed its tokens by itself, once, and goes on working
    for _ in range(100):
        if refreshes:
            break
        page.wait_for_timeout(50)
    assert len(refreshes) == 1
    assert json.loads(refreshes[0].post_data or "{}")["AuthFlow"] == "REFRESH_TOKEN_AUTH"
    page.fill("#new-title", "After the refresh")
    page.click("#add-note")
    expect(page.locator("#status")).to_have_text("Added “After the refresh”.")
    assert len(refreshes) == 1
    assert problems.page_errors == problems.csp_violations == problems.console_errors == []


def test_a_session_that_ended_sends_the_person_to_sign_in_again(
    page: Page, problems: PageProblems, web_app: WebApp
) -> None:
    email = new_email("dee")
    web_app.sign_up(email, PASSWORD)
    page.goto(web_app.url)
    sign_in(page, email)
    expect(page.locator("#account-email")).to_have_text(email)
    # GIVEN the user was signed out everywhere (her refresh tokens revoked) and the API now
    # refuses her access token, as it does once a token expires
    web_app.cognito.admin_user_global_sign_out(UserPoolId=web_app.pool_id, Username=email)
    page.route(
        re.compile(re.escape(web_app.api_url) + ".*"),
        lambda route: route.fulfill(
            status=401, content_type="application/json", body='{"message": "Unauthorized"}'
        ),
    )
    # WHEN she adds a note
    page.fill("#new-title", "Too late")
    page.click("#add-note")
    # THEN the page could not refresh, and asks her to sign in again
    expect(page.locator("#error")).to_have_text("Your session has ended. Please sign in again.")
    expect(page.locator("#sign-in-heading")).to_be_focused()
    expect(page.locator("#account")).to_be_hidden()
    assert problems.page_errors == problems.csp_violations == []
    # Chromium logs the refused API call and the refused refresh
    assert len(problems.console_errors) == 2
