"""The images page (web/images/) in a real browser against the image stack on the local cloud:
an upload through the presigned POST, the derivatives shown from the local CDN, a resize URL
tried, and nothing going wrong in the page (no console errors, no CSP violations)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from localcloud.__main__ import api_key_values
from localcloud.cloud import LocalCloud
from tests.lambdas import image_samples as samples

from .conftest import PageProblems

DERIVATIVES_MS = 60_000


def loaded_widths(page: Page, selector: str) -> list[int]:
    widths: list[int] = page.eval_on_selector_all(
        selector, "images => images.map(image => image.complete ? image.naturalWidth : 0)"
    )
    return widths


def test_a_person_uploads_an_image_and_tries_a_resize(
    page: Page,
    problems: PageProblems,
    local_cloud: LocalCloud,
    outputs: dict[str, dict[str, str]],
) -> None:
    stack = outputs["ImageProcessing-dev"]
    key = api_key_values(local_cloud)[stack["ApiKeyId"]]

    # GIVEN the page, with the API key saved
    page.goto(stack["UiUrl"])
    page.fill("#api-key", key)
    page.click("#key-form button")

    # WHEN a 1200 x 800 JPEG is uploaded
    page.set_input_files(
        "#file",
        files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg(1200, 800)}],
    )
    page.click("#upload-form button")

    # THEN its nine derivatives appear, loaded from the local CDN
    expect(page.locator("#status")).to_have_text("Ready.", timeout=DERIVATIVES_MS)
    expect(page.locator("#image-summary")).to_have_text("1200 \u00d7 800 jpeg, 9 derivatives")
    images = page.locator("#derivatives img")
    expect(images).to_have_count(9)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#derivatives img')]"
        ".every(image => image.complete && image.naturalWidth > 0)"
    )
    assert sorted(set(loaded_widths(page, "#derivatives img"))) == [320, 960, 1200]

    # WHEN a resize is tried THEN the resized image loads at that width
    page.fill("#w", "300")
    page.select_option("#format", "webp")
    page.click("#resize-form button")
    expect(page.locator("#resize-url")).to_contain_text("w=300")
    page.wait_for_function(
        "() => document.querySelector('#resized').complete"
        " && document.querySelector('#resized').naturalWidth === 300"
    )
    # AND the page reported nothing wrong
    assert problems.console_errors == []
    assert problems.page_errors == []
    assert problems.csp_violations == []
