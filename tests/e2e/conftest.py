"""End-to-end tests: the portal served by pytest-django's live server, driven in
headless Chromium (Debian's package) through Playwright.

Every page opened through the ``page`` fixture fails its test on a browser
console error or a failed request.
"""

import functools
import os
import re
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
    # A missing label or button fails in seconds, not after Playwright's 30 s default.
    context.set_default_timeout(10_000)
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


AXE = Path(__file__).parent / "assets" / "axe.min.js"


@functools.cache
def _axe_source():
    return AXE.read_text(encoding="utf-8")


def assert_accessible(page, where=""):
    """Run axe-core (vendored from the npm registry) on the page: no serious or critical violation."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, which the page's CSP does not
        # govern (a <script> tag would be refused and logged as a console error).
        page.evaluate(_axe_source() + "\n;true")
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => `${v.impact} ${v.id}: ${v.help} -> ` +
                          v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
        }"""
    )
    assert violations == [], f"axe on {where or page.url}:\n" + "\n".join(violations)


def switch_language(page, code):
    """Choose the language in the top bar's select, as a person would."""
    if page.locator("html").get_attribute("lang") != code:
        with page.expect_navigation():
            page.locator("#lang-select").select_option(code)


def field(scope, label):
    """The form field labelled exactly ``label`` (a required field's label ends in " *")."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def add_authenticator_app(page) -> str:
    """On the app set-up page: confirm with the app's current code, go on; returns the secret."""
    import base64

    from django_otp.oath import totp

    secret = page.locator("[data-totp-secret]").get_attribute("data-totp-secret")
    page.locator("#id_code").fill(f"{totp(base64.b32decode(secret)):06d}")
    page.locator("main form button[type=submit]").click()
    page.locator(".recovery-codes").wait_for()
    page.locator("main a.button.primary").click()
    return secret
