"""The pages in real headless Chromium against the real stack: log in, classify, flag a wrong
answer, upload data, retrain with a live progress bar, promote and roll back, and product
text with markup shown as text. Each page is saved under test-output/screenshots/."""

from __future__ import annotations

import csv
import hashlib
import re
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.factories import image_bytes
from tests.frontend.conftest import ADMIN, SHOPPER, Site

XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
PHONE = {"width": 390, "height": 844}


class Browsing:
    """One logged-in browser context; collects CSP violations and page errors."""

    def __init__(self, browser: Any, site: Site, shots: Path, viewport: dict[str, int]) -> None:
        self.site, self.shots = site, shots
        self.context = browser.new_context(viewport=viewport)
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: self.problems.append(m.text) if "Content Security Policy" in m.text else None,
        )
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.on("dialog", lambda d: d.accept())  # the confirmations: say yes

    def go(self, path: str) -> Any:
        self.page.goto(f"{self.site.url}{path}")
        return self.page

    def login(self, username: str, password: str) -> None:
        page = self.go("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login" not in url)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)


@pytest.fixture
def visit(browser: Any, site: Site, screenshots: Path) -> Iterator[Any]:
    opened: list[Browsing] = []

    def open_as(user: tuple[str, str] | None, viewport: dict[str, int] | None = None) -> Browsing:
        b = Browsing(browser, site, screenshots, viewport or {"width": 1280, "height": 900})
        opened.append(b)
        if user:
            b.login(*user)
        return b

    yield open_as
    for b in opened:
        assert b.problems == [], b.problems
        b.context.close()


def test_login_refuses_wrong_credentials_then_logs_in_and_out(visit):
    b = visit(None)
    page = b.go("/")
    assert "/login" in page.url  # pages need a login
    page.get_by_label("Username").fill(SHOPPER[0])
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    assert page.locator("#login-error").inner_text() == "Wrong username or password."
    b.shot("login")
    b.login(*SHOPPER)
    assert page.locator(".who").inner_text() == "shopper (user)"
    cookie = next(c for c in b.context.cookies() if c["name"] == "shelfwise_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Log out").click()
    assert "/login" in page.url and "You are logged out." in page.content()
    assert b.go("/admin/").url.startswith(f"{b.site.url}/login")


def classify(page: Any, title: str, description: str = "", photo: bytes | None = None) -> None:
    if photo is not None:
        page.locator("#image").set_input_files(
            {"name": "product.png", "mimeType": "image/png", "buffer": photo}
        )
        # The preview shows the chosen photo once the browser has decoded it.
        page.wait_for_selector("#preview", state="visible", timeout=5_000)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill(description)
    page.get_by_role("button", name="Classify").click()
    page.wait_for_selector("#category-name, #result .flash.error")
    errors = page.locator("#result .flash.error")
    assert errors.count() == 0, errors.inner_text()


def test_classify_with_photo_and_text_then_text_only(visit, site):
    b = visit(SHOPPER)
    page = b.go("/")
    classify(page, "Piscine tubulaire ronde", "<b>pompe</b> incluse", image_bytes("PNG"))
    assert page.locator("#modalities").inner_text() == "image + text"
    assert page.locator(".top5 tbody tr").count() == 5
    assert page.locator("#model-version").inner_text() == "v1"
    assert page.locator("#confidence").inner_text().endswith("%")
    assert page.locator("#latency").inner_text().endswith("ms")
    b.shot("classify")

    classify(page, "Livre de poche")
    assert page.locator("#modalities").inner_text() == "text"
    assert page.locator("#description").input_value() == ""


def test_flag_a_wrong_prediction_and_see_it_stored(visit, site):
    b = visit(SHOPPER)
    page = b.go("/")
    classify(page, "Console de jeu portable", "avec <i>chargeur</i>")
    page.get_by_text("Wrong category?").click()
    page.get_by_label("Search categories").fill("piscine")
    visible = page.locator("#correct-category option:not([hidden])")
    assert visible.count() == 1  # the search narrowed 27 names to one
    page.get_by_label("Category", exact=True).select_option("2583")
    page.get_by_role("button", name="Send the right category").click()
    assert "Thank you" in page.locator(".flash.success").inner_text()

    shopper = site.token(*SHOPPER)

    def stored() -> dict[str, Any] | None:
        items = requests.get(f"{site.api}/predictions", headers=shopper, timeout=10).json()
        return next((p for p in items["items"] if p["feedback"]), None)

    from tests.waiting import wait_for

    flagged = wait_for(stored, 30, "the prediction and its feedback recorded")
    assert flagged["feedback"]["is_correct"] is False
    assert flagged["feedback"]["correct_category"] == 2583
    page = b.go("/predictions")
    assert "Flagged wrong: Equipement pour piscine" in page.locator("#predictions").inner_text()
    b.shot("predictions")


def test_the_review_page_shows_the_flagged_photo_and_accepts_it(visit, site):
    from tests.waiting import wait_for

    photo = image_bytes("PNG", size=(80, 60), color=(20, 160, 200))
    digest = hashlib.sha256(photo).hexdigest()
    b = visit(SHOPPER)
    page = b.go("/")
    classify(page, "Bouee gonflable rayee", photo=photo)
    predicted = page.locator("#category-name").inner_text()
    page.get_by_text("Wrong category?").click()
    page.get_by_label("Category", exact=True).select_option("2583")
    page.get_by_role("button", name="Send the right category").click()
    assert "Thank you" in page.locator(".flash.success").inner_text()

    admin = visit(ADMIN)
    row_with_photo = f"#feedback tbody tr:has(img.review-photo[src$='{digest}'])"

    def listed() -> Any:
        found = admin.go("/admin/feedback").locator(row_with_photo)
        return found if found.count() == 1 else None

    row = wait_for(listed, 30, "the flagged photo on the review page")
    photo_cell = row.locator("img.review-photo")
    photo_cell.scroll_into_view_if_needed()
    admin.page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo_cell.element_handle()
    )
    assert photo_cell.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [80, 60]
    text = row.inner_text()
    assert predicted in text and "Equipement pour piscine" in text  # beside both categories
    admin.shot("admin-feedback-photo")

    row.get_by_role("button", name="Accept correction").click()
    assert "Correction accepted" in admin.page.locator(".flash.success").inner_text()
    headers = site.token(*ADMIN)
    (product,) = requests.get(
        f"{site.api}/admin/products", params={"q": "Bouee gonflable rayee"}, headers=headers,
        timeout=10,
    ).json()["items"]  # fmt: skip
    assert (product["prdtypecode"], product["image_hash"]) == (2583, digest)
    stored = requests.get(f"{site.api}/admin/images/{digest}", headers=headers, timeout=10)
    assert stored.content == photo
    dashboard = admin.go("/admin/")  # the disk the kept photos use
    used = dashboard.locator("#prediction-photos").inner_text()
    assert re.fullmatch(r"[0-9.]+ (Bytes|kB|MB|GB)", used) and used != "0 Bytes", used


def test_the_review_page_dismisses_a_flag(visit):
    from tests.waiting import wait_for

    b = visit(SHOPPER)
    page = b.go("/")
    classify(page, "Parasol deporte a rayures")
    page.get_by_text("Wrong category?").click()
    page.get_by_label("Category", exact=True).select_option("2582")
    page.get_by_role("button", name="Send the right category").click()
    assert "Thank you" in page.locator(".flash.success").inner_text()

    admin = visit(ADMIN)
    flagged = "#feedback tbody tr:has-text('Meubles d')"

    def listed() -> Any:
        found = admin.go("/admin/feedback?status=new").locator(flagged)
        return found.first if found.count() else None

    wait_for(listed, 30, "the flag on the review page").get_by_role(
        "button", name="Dismiss"
    ).click()
    assert "Feedback dismissed" in admin.page.locator(".flash.success").inner_text()
    dismissed = admin.go("/admin/feedback?status=dismissed").locator("#feedback tbody")
    assert "Meubles d" in dismissed.inner_text() and "dismissed" in dismissed.inner_text()


def upload_files(tmp_path: Path) -> tuple[Path, Path]:
    from tests.trainer.synthetic import products

    items = products(per_class=12, seed=3)
    items[0] = replace(items[0], productid="xss-1", designation=f"Livre {XSS}")
    csv_path, zip_path = tmp_path / "products.csv", tmp_path / "images.zip"
    with (
        open(csv_path, "w", newline="", encoding="utf-8") as f,
        zipfile.ZipFile(zip_path, "w") as z,
    ):
        w = csv.writer(f)
        w.writerow(["productid", "designation", "description", "prdtypecode", "image_file"])
        for it in items:
            name = f"{it.productid}.jpg" if it.image else ""
            if it.image:
                z.writestr(name, it.image)
            w.writerow([it.productid, it.designation, it.description, it.code, name])
        w.writerow(["bad-1", "Sans categorie", "", "99999", ""])  # one row the report rejects
    return csv_path, zip_path


def test_admin_uploads_data_and_retrains_with_a_live_progress_bar(visit, site, tmp_path):
    from tests.trainer.synthetic import TINY_PARAMS

    b = visit(ADMIN)
    page = b.go("/admin/data")
    csv_path, zip_path = upload_files(tmp_path)
    page.get_by_label("Products CSV").set_input_files(str(csv_path))
    page.get_by_label("Images zip").set_input_files(str(zip_path))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("#job .job-result dl.result", timeout=120_000)
    assert page.locator("#upload-bar").evaluate("bar => bar.value") == 100
    assert page.locator(".job-state").inner_text() == "finished"
    report = page.locator(".job-result").inner_text()
    assert "inserted\t36" in report.replace(" ", "\t") or "inserted\n36" in report
    assert "bad-1" in page.locator(".job-result table").inner_text()  # the per-row report
    b.shot("data")

    page = b.go("/admin/training")
    page.get_by_label("Text epochs").fill("2")
    page.get_by_label("Image epochs").fill("2")
    page.get_by_label("Promote").select_option("always")
    tiny = ", ".join(f"{k}={v}" for k, v in asdict(TINY_PARAMS).items())
    page.get_by_label("Model parameters").fill(tiny)
    page.get_by_role("button", name="Start retraining").click()
    page.wait_for_selector("#job-bar")
    seen: set[int] = set()
    for _ in range(600):  # the bar moves while the job runs, polled by the page itself
        seen.add(int(page.locator("#job-bar").evaluate("bar => bar.value")))
        if page.locator(".job-state").inner_text() in ("finished", "failed", "canceled"):
            break
        page.wait_for_timeout(250)
    assert page.locator(".job-state").inner_text() == "finished", site.stack.read_log("trainer")
    assert page.locator("#job-bar").evaluate("bar => bar.value") == 100
    assert len(seen) >= 3  # progress was shown in steps, not only at the end
    result = page.locator(".job-result").inner_text()
    assert "promoted" in result and "true" in result.lower() and "v2" in result
    b.shot("training")


def test_promote_and_roll_back(visit, site):
    b = visit(ADMIN)
    page = b.go("/admin/models")
    assert page.locator("#production").inner_text() == "v2"
    page.get_by_role("button", name="Promote v1").click()  # v1 predates the registry
    page.wait_for_selector(".flash.success")
    assert page.locator("#production").inner_text() == "v1"
    admin = site.token(*ADMIN)
    assert (
        requests.get(f"{site.api}/admin/models", headers=admin, timeout=10).json()["production"]
        == "v1"
    )
    page.get_by_role("button", name="Roll back to v2").click()
    page.wait_for_selector(".flash.success")
    assert page.locator("#production").inner_text() == "v2"
    b.shot("models")


def test_product_text_with_markup_is_shown_as_text(visit):
    b = visit(ADMIN)
    page = b.go("/catalogue?q=xss")
    text = page.locator(".product .designation").first.inner_text()
    assert text == f"Livre {XSS}"
    assert page.locator(".products script").count() == 0
    assert page.locator(".products img[src='x']").count() == 0
    assert page.evaluate("window.__xss") is None
    page = b.go("/catalogue")
    assert page.locator(".product img").count() > 0  # photos come through the frontend
    # Photos load lazily, after the page's load event: wait for the first one's pixels.
    photo = page.locator(".product img").first.element_handle()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo)
    b.shot("catalogue")


@pytest.mark.parametrize(
    "path,name",
    [
        ("/admin/", "dashboard"),
        ("/admin/feedback", "admin-feedback"),
        ("/admin/logs?kind=training", "logs"),
        ("/admin/users", "users"),
    ],
)
def test_admin_pages_render(visit, path, name):
    b = visit(ADMIN)
    page = b.go(path)
    assert page.locator("h1").count() == 1
    assert "Something went wrong" not in page.content()
    b.shot(name)
    if name == "dashboard":
        assert page.locator("svg.chart").count() == 5
        assert page.locator("#live-workers").inner_text() == "1"


@pytest.mark.parametrize("path,name", [("/", "classify"), ("/admin/", "dashboard")])
def test_pages_fit_a_phone(visit, path, name):
    b = visit(ADMIN, PHONE)
    page = b.go(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1  # nothing forces sideways scrolling
    b.shot(f"phone-{name}")


def test_keyboard_reaches_the_classify_form(visit):
    b = visit(SHOPPER)
    page = b.go("/")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "designation":
            break
    assert page.evaluate("document.activeElement.id") == "designation"
    page.keyboard.type("Jeu de cartes")
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_selector("#category-name")


def test_users_admin_creates_and_deactivates(visit, site):
    b = visit(ADMIN)
    page = b.go("/admin/users")
    page.get_by_label("Username", exact=True).fill("newbie")
    page.get_by_label("Password (12+").fill("Fresh-Account-2024")
    page.get_by_role("button", name="Create account").click()
    assert "Account newbie created." in page.locator(".flash.success").inner_text()
    page.locator("#users tr", has_text="newbie").get_by_role("button", name="Deactivate").click()
    assert "newbie deactivated" in page.locator(".flash.success").inner_text()
    bad = requests.post(
        f"{site.api}/auth/login",
        json={"username": "newbie", "password": "Fresh-Account-2024"},
        timeout=10,
    )
    assert bad.status_code == 401
