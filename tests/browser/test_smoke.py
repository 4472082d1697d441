"""In Debian's Chromium: the demo nurse signs in and sees her home screen."""
from playwright.sync_api import Page, expect


def test_nurse_signs_in_and_sees_home(page: Page, live_server):
    page.goto(f"{live_server}/")
    expect(page).to_have_title("Sign in · Ward Supply")
    page.get_by_label("Login").fill("nurse")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="What would you like to do?")).to_be_visible()
    expect(page.get_by_text("Issue to patient")).to_be_visible()
    expect(page.get_by_text("nurse · requester")).to_be_visible()
