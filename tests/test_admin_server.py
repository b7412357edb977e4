"""The Django admin from the same `runbolt` as the API (issue 13, acceptance 1): a real
server process logs in (CSRF token, session cookie), lists and edits a Book, and loads the
admin's CSS and JS from the Rust static route after `collectstatic`."""

from __future__ import annotations

import re
import sys
import time

import httpx
import pytest
from test_server import BoltServer, base_env, manage

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and SO_REUSEPORT")
PASSWORD = "admin-pass-0123"


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("admin")
    env = base_env(work / "demo.sqlite3", DEMO_STATIC_ROOT=str(work / "static"),
                   DJANGO_SUPERUSER_PASSWORD=PASSWORD)
    for command in (("migrate", "--noinput"), ("seed_demo",), ("collectstatic", "--noinput"),
                    ("createsuperuser", "--noinput", "--username", "root", "--email", "root@example.com")):
        done = manage(*command, env=env)
        assert done.returncode == 0, f"manage.py {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    server = BoltServer(work, env)
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def test_admin_login_list_edit_and_static(admin_server):
    base = admin_server.url("")
    with httpx.Client(base_url=base, timeout=10, follow_redirects=False) as browser:
        login = browser.get("/admin/login/?next=/admin/")
        assert login.status_code == 200 and "csrftoken" in browser.cookies
        r = browser.post("/admin/login/?next=/admin/", data={
            "csrfmiddlewaretoken": csrf_token(login.text), "username": "root", "password": PASSWORD,
            "next": "/admin/"}, headers={"Referer": base + "/admin/login/"})
        assert (r.status_code, r.headers["location"]) == (302, "/admin/"), r.text[:500]
        assert "sessionid" in browser.cookies
        listing = browser.get("/admin/library/book/")
        assert listing.status_code == 200 and "Select book to change" in listing.text
        book_id = re.search(r'href="/admin/library/book/(\d+)/change/', listing.text).group(1)
        form = browser.get(f"/admin/library/book/{book_id}/change/")
        author = re.search(r'<option value="(\d+)" selected>', form.text).group(1)
        r = browser.post(f"/admin/library/book/{book_id}/change/", data={
            "csrfmiddlewaretoken": csrf_token(form.text), "title": "Edited through runbolt", "author": author,
            "published": "", "price": "9.99", "in_stock": "on", "_save": "Save"},
            headers={"Referer": base + f"/admin/library/book/{book_id}/change/"})
        assert (r.status_code, r.headers["location"]) == (302, "/admin/library/book/"), r.text[:800]
        assert browser.get(f"/api/books/{book_id}").json()["title"] == "Edited through runbolt"
        for asset in re.findall(r'(?:href|src)="(/static/admin/[^"]+\.(?:css|js))"', listing.text)[:4]:
            got = browser.get(asset)
            assert got.status_code == 200, asset
            assert got.headers["content-type"] in ("text/css", "text/javascript"), asset
        assert browser.get("/static/admin/css/base.css").headers["content-type"] == "text/css"


def test_startup_line_counts_both_kinds_and_no_admin_leaves_the_admin_out(admin_server, tmp_path):
    assert re.search(r"routes: \d+ BoltAPI, [1-9]\d* Django", admin_server.stdout()), admin_server.stdout()
    env = base_env(tmp_path / "unused.sqlite3")
    server = BoltServer(tmp_path, env, "--no-admin", name="no-admin")
    try:
        server.wait_ready()
        assert "BoltAPI, 0 Django" in server.stdout(), server.stdout()
        with httpx.Client(timeout=10) as client:
            assert client.get(server.url("/admin/login/")).status_code == 404
            assert client.get(server.url("/health")).status_code == 200
    finally:
        server.stop()


def test_access_log_only_when_it_would_print(admin_server, tmp_path):
    # DEBUG off: django-bolt's default level (WARNING) leaves the INFO access lines out.
    with httpx.Client(timeout=10) as client:
        assert client.get(admin_server.url("/api/books")).status_code == 200
    assert '"GET /api/books" 200' not in admin_server.stderr()
    env = base_env(tmp_path / "debug.sqlite3", DJANGO_DEBUG="1")
    assert manage("migrate", "--noinput", env=env).returncode == 0
    server = BoltServer(tmp_path, env, name="access-log")
    try:
        server.wait_ready()
        with httpx.Client(timeout=10) as client:
            assert client.get(server.url("/api/books?limit=1")).status_code == 200
            assert client.get(server.url("/api/nothing")).status_code == 404
        wait = re.compile(r'"GET /api/books" 200 [0-9.]+ms')
        for _ in range(50):
            if wait.search(server.stderr()) and '"GET /api/nothing" 404' in server.stderr():
                break
            time.sleep(0.1)
        assert wait.search(server.stderr()) and '"GET /api/nothing" 404' in server.stderr(), server.stderr()
        assert '"GET /health"' not in server.stderr()  # skip_paths
    finally:
        server.stop()


def test_a_person_signs_in_with_a_headless_browser(admin_server):
    """Debian's chromium + chromium-driver (`make browser`) with selenium: open the login
    page, sign in, find the Book change list; a screenshot goes to tests/artifacts/."""
    import os
    import shutil
    from pathlib import Path

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver_path, "chromium/chromedriver missing: run `make test` (its `browser` target)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1280,900"):
        options.add_argument(flag)
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download a driver
    browser = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        browser.set_page_load_timeout(30)
        browser.get(admin_server.url("/admin/login/?next=/admin/library/book/"))
        browser.find_element(By.NAME, "username").send_keys("root")
        browser.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
        WebDriverWait(browser, 20).until(expected_conditions.presence_of_element_located((By.ID, "result_list")))
        assert "Select book to change" in browser.page_source
        # The admin's stylesheet came from the Rust static route: the page is styled.
        header = browser.find_element(By.ID, "header")
        assert header.value_of_css_property("display") == "flex"
        artifacts = Path(__file__).parent / "artifacts"
        artifacts.mkdir(exist_ok=True)
        browser.save_screenshot(str(artifacts / "admin-book-changelist.png"))
    finally:
        browser.quit()
