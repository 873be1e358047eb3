"""Browser journeys: Debian's Chromium driven by Playwright against pytest-django's live server.

Use the ``page`` fixture (a fresh context per test) together with ``live_server`` in a
``@pytest.mark.django_db(transaction=True)`` test, and ``login(page, live_server, user)`` to sign in.
Screenshots go to docs/screenshots/ so the role guides show what the tests saw.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test are still
# made synchronously from the test body.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "journey-Password-2026"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15000)
    # An irreversible action asks first (static/desk.js); the journeys answer yes, as the person would.
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def otp_code_for(username: str) -> str:
    """The second factor a person would type: the authenticator's current code (enrolling the user
    first if the role needs one), or a fresh recovery code when this code was already used (two
    sign-ins of one user inside one 30-second step)."""
    from django.contrib.auth import get_user_model
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from audit.management.commands.otp_code import current_code
    from audit.twofactor import otp_enrol, otp_required

    user = get_user_model().objects.get(username=username)
    if not otp_required(user):
        return ""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        otp_enrol(user=user)
        device = TOTPDevice.objects.get(user=user)
    step = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    if device.last_t is None or device.last_t < step:
        return current_code(device)
    static = StaticDevice.objects.filter(user=user).first()
    token = StaticToken.random_token()
    StaticToken.objects.create(device=static, token=token)
    return token


def login(page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    code = otp_code_for(username)
    if code:
        page.fill("#id_otp_token", code)
    with page.expect_navigation():
        page.click("input[type=submit]")
