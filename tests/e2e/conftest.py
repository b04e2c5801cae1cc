"""End-to-end tests: the portal served by pytest-django's live server, driven in
headless Chromium (Debian's package) through Playwright.

Every page opened through the ``page`` fixture fails its test on a browser
console error or a failed request.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls
# made by the test itself (fixtures, assertions) are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: no Chromium at {CHROMIUM}")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context on the live server; console errors and failed requests fail the test."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    problems = []
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and problems.append(f"console: {msg.text} at {msg.location.get('url')}")
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    # A navigation cancels what the previous page still had in flight
    # (net::ERR_ABORTED): that is the browser's doing, not a failure.
    page.on(
        "requestfailed",
        lambda req: (
            "ERR_ABORTED" not in (req.failure or "")
            and problems.append(f"request failed: {req.url} {req.failure}")
        ),
    )
    page.on(
        "response",
        lambda resp: (
            resp.status >= 500 and problems.append(f"server error {resp.status}: {resp.url}")
        ),
    )
    yield page
    context.close()
    assert problems == [], "\n".join(problems)


@pytest.fixture
def shot():
    """Save a screenshot under tests/e2e/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name, full_page=True):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    return take


def sign_in(page, email, password):
    page.goto("/accounts/login/")
    # By field, not label: the sign-in page may already be in Japanese.
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("main button[type=submit]").click()
