#!/usr/bin/env python3
"""The web console in a real browser: Debian's chromium and chromium-driver, driven by Selenium.

Run by the Swift test `ConsoleBrowserTests` against a real `rollover serve` with real agents (one of them fails to
install). Every step asserts what the page shows; screenshots of every page at 1280x800 and 390x844 go to
$SCREENSHOTS. Exits non-zero on the first failed step, naming it.

Environment: CONSOLE_URL (https://127.0.0.1:PORT), ADMIN_TOKEN, PFX, PFX_PASSWORD, PFX_SUBJECT, FAILING_DEVICE,
DEVICE_COUNT, SCREENSHOTS.
"""
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

URL = os.environ["CONSOLE_URL"].rstrip("/")
TOKEN = os.environ["ADMIN_TOKEN"]
PFX = os.environ["PFX"]
PFX_PASSWORD = os.environ["PFX_PASSWORD"]
PFX_SUBJECT = os.environ["PFX_SUBJECT"]
FAILING = os.environ["FAILING_DEVICE"]
DEVICES = int(os.environ.get("DEVICE_COUNT", "3"))
SHOTS = os.environ["SCREENSHOTS"]
SIZES = [(1280, 800), (390, 844)]


def step(name):
    print(f"step: {name}", flush=True)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,800",
                     "--no-first-run", "--disable-extensions", "--disable-background-networking"]:
        options.add_argument(argument)
    # The server's own CA is not in the browser's store; the test trusts it as an administrator who imported ca.pem would.
    options.accept_insecure_certs = True
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    return driver


def text(driver, css):
    return driver.find_element(By.CSS_SELECTOR, css).text


def shoot(driver, name):
    """The page at both sizes, then back to the desktop size."""
    for width, height in SIZES:
        driver.set_window_size(width, height)
        time.sleep(0.2)
        # Screenshots show the viewport; make the viewport the page's height so the whole page is seen.
        full = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        driver.set_window_size(width, max(height, min(full + 120, 6000)))
        time.sleep(0.2)
        driver.save_screenshot(os.path.join(SHOTS, f"{name}-{width}x{height}.png"))
        if width < 500:
            wide = driver.execute_script("""
                const limit = document.documentElement.clientWidth + 1;
                if (document.documentElement.scrollWidth <= limit) return [];
                return [...document.querySelectorAll('body *')]
                  .filter(e => e.getBoundingClientRect().right > limit && !e.closest('.table-wrap'))
                  .map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className).slice(0, 8);
            """)
            check(not wide, f"{name}: the page scrolls sideways at {width} px (only tables may scroll, inside their box): {wide}")
    driver.set_window_size(*SIZES[0])


def accessible(driver, name):
    """Every visible form control has a label, the page has a language, a main landmark and one h1."""
    unlabelled = driver.execute_script("""
        return [...document.querySelectorAll('input, select, textarea')]
          .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
          .map(e => e.name || e.id);
    """)
    check(not unlabelled, f"{name}: form controls without a label: {unlabelled}")
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", f"{name}: <html> has no lang")
    check(len(driver.find_elements(By.TAG_NAME, "main")) == 1, f"{name}: no main landmark")
    check(len(driver.find_elements(By.TAG_NAME, "h1")) == 1, f"{name}: not exactly one h1")


def visit(driver, path, name):
    driver.get(URL + path)
    accessible(driver, name)
    shoot(driver, name)


def click_and_wait(driver, element):
    """Clicks a button that sends a form and waits for the next page to replace this one."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    # Selenium's staleness_of, but chromedriver sometimes reports a node of the document being replaced as
    # "does not belong to the document" (a plain WebDriverException) instead of a stale element: that is replaced too.
    def replaced(_):
        try:
            page.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise

    WebDriverWait(driver, 20).until(replaced)


def submit(driver, css):
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, css))


def count(driver, state):
    return int(driver.find_element(By.CSS_SELECTOR, f'#delivery-counts li[data-state="{state}"] .n').text)


def main():
    os.makedirs(SHOTS, exist_ok=True)
    driver = browser()
    try:
        step("a page without a session sends the browser to the sign-in page")
        driver.get(URL + "/console/certificates")
        check(driver.current_url.endswith("/console/login"), f"not redirected to sign in: {driver.current_url}")
        check(driver.find_elements(By.ID, "token"), "no token field on the sign-in page")
        accessible(driver, "login")
        shoot(driver, "login")

        step("a wrong token is refused")
        driver.find_element(By.ID, "token").send_keys("rollover_not-a-token")
        submit(driver, "#sign-in")
        check("not valid" in text(driver, "#signin-error"), "no refusal shown for a wrong token")

        step("sign in with the admin token")
        driver.find_element(By.ID, "token").send_keys(TOKEN)
        submit(driver, "#sign-in")
        check(driver.current_url.endswith("/console"), f"not on the overview after signing in: {driver.current_url}")
        check("Live certificates" in driver.page_source, "the overview shows no live certificates section")
        cookie = driver.get_cookie("rollover_console")
        check(cookie and cookie.get("httpOnly") and cookie.get("secure") and cookie.get("sameSite") == "Strict",
              f"the session cookie is not HTTP-only, Secure and SameSite=Strict: {cookie}")
        rows = driver.find_elements(By.CSS_SELECTOR, "#live-certificates tbody tr")
        check(len(rows) == 1 and "issued" in rows[0].text, f"expected the server's own certificate live: {[r.text for r in rows]}")
        accessible(driver, "overview")
        shoot(driver, "overview")

        step("keyboard: the first Tab reaches the skip link, which moves focus to the content")
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        check(driver.switch_to.active_element.get_attribute("class") == "skip", "the first Tab does not reach the skip link")

        step("import a PFX through the form and see the inspection report before anything changes")
        visit(driver, "/console/certificates", "certificates")
        before = len(driver.find_elements(By.CSS_SELECTOR, "#certificates tbody tr"))
        visit(driver, "/console/certificates/import", "import")
        driver.find_element(By.ID, "import-files").send_keys(PFX)
        driver.find_element(By.ID, "import-password").send_keys(PFX_PASSWORD)
        submit(driver, "#inspect-button")
        check("can be imported" in text(driver, "#report-verdict"), f"the report does not accept the PFX: {text(driver, 'main')}")
        check(PFX_SUBJECT in text(driver, "#report-subject"), f"the report does not show the subject {PFX_SUBJECT}")
        check(text(driver, "#report-sans") == "localhost, 127.0.0.1", f"the report's names read {text(driver, '#report-sans')!r}")
        accessible(driver, "import-report")
        shoot(driver, "import-report")
        report_tab = driver.current_window_handle
        driver.switch_to.new_window("tab")
        driver.get(URL + "/console/certificates")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#certificates tbody tr")) == before, "inspecting changed the certificate list")
        driver.close()
        driver.switch_to.window(report_tab)

        step("Distribute root certificate: import it and start a distribute-first rollover")
        submit(driver, "#distribute-root")
        check("/console/rollovers/" in driver.current_url, f"not on the rollover's details: {driver.current_url}")
        check("distributes its trust" in text(driver, "#notice"), f"no notice of the rollover: {text(driver, 'main')[:300]}")
        check(text(driver, "#rollover-preset") == "distribute-first", "the rollover is not distribute-first")
        check(text(driver, "#rollover-state") == "open", "the rollover is not open")
        check(driver.find_elements(By.CSS_SELECTOR, "#confirmed-chart #chart-threshold"), "the chart has no readiness threshold")
        check(driver.find_elements(By.CSS_SELECTOR, "#confirmed-chart #chart-deadline"), "the chart has no deadline")
        rollover_path = driver.current_url[len(URL):].split("?")[0]

        step("the agents sync: the working ones confirm, the failing one reports why")
        deadline = time.time() + 60
        while time.time() < deadline:
            driver.get(URL + rollover_path)
            if count(driver, "installed") >= DEVICES - 1 and count(driver, "failed") >= 1:
                break
            time.sleep(1)
        check(count(driver, "installed") >= DEVICES - 1 and count(driver, "failed") >= 1,
              f"deliveries did not settle: {text(driver, '#delivery-counts')}")
        check(driver.find_elements(By.CSS_SELECTOR, "#confirmed-chart #chart-confirmed"), "the chart has no confirmations line")
        check("not met" in text(driver, "#readiness"), f"readiness should not hold with a failed device: {text(driver, '#readiness')}")
        check("no handover record" in text(driver, "#handover"), f"before any switch there is no handover record: {text(driver, '#handover')}")
        accessible(driver, "rollover")
        shoot(driver, "rollover")

        step("filter the device table to the failed deliveries")
        Select(driver.find_element(By.ID, "filter-state")).select_by_value("failed")
        submit(driver, "#apply-filters")
        rows = driver.find_elements(By.CSS_SELECTOR, "#device-table tbody tr")
        check(len(rows) == 1 and FAILING in rows[0].text and "failed" in rows[0].text,
              f"the failed filter shows {[r.text for r in rows]}")
        check("state=failed" in driver.current_url, "the filter is not in the address (cannot be bookmarked)")
        check(rows[0].find_elements(By.CSS_SELECTOR, "td")[3].text.strip() != "", "the failed row does not say why")
        shoot(driver, "rollover-filtered")

        step("retry the failed delivery")
        click_and_wait(driver, rows[0].find_element(By.CSS_SELECTOR, "button.retry-device"))
        notice = text(driver, "#notice")
        check("1 delivery" in notice, f"the retry did not report one delivery: {notice}")
        check("state=failed" in driver.current_url, "the retry did not return to the filtered table")

        step("the device's own page shows its deliveries")
        driver.get(URL + "/console/devices")
        accessible(driver, "devices")
        shoot(driver, "devices")
        click_and_wait(driver, driver.find_element(By.PARTIAL_LINK_TEXT, FAILING))
        check(FAILING in text(driver, "h1"), "the device page is not the failing device's")
        check("up to date" in text(driver, "#device-handover"), f"the agent reported no handover state: {text(driver, '#device-handover')}")
        accessible(driver, "device")
        shoot(driver, "device")

        step("reissue from the server's CA with a delay: a reserve that activates later")
        visit(driver, "/console/certificates/reissue", "reissue")
        driver.find_element(By.ID, "address-keep").click()
        driver.find_element(By.ID, "activation-after").click()
        delay = driver.find_element(By.ID, "delayDays")
        delay.clear()
        delay.send_keys("45")
        submit(driver, "#reissue-button")
        check("/console/rollovers/" in driver.current_url, f"the reissue did not lead to its rollover: {driver.current_url} {text(driver, 'main')[:300]}")
        check("Reissued certificate" in text(driver, "#notice"), f"no reissue notice: {text(driver, 'main')[:300]}")
        check(text(driver, "#rollover-preset") == "reserve", f"the reissue is not a reserve: {text(driver, '#rollover-preset')}")
        check("in 4" in text(driver, "#projected-activation"), f"the projected activation is not about 45 days away: {text(driver, '#projected-activation')}")
        visit(driver, "/console/rollovers", "rollovers")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#rollovers tbody tr")) == 2, "the rollovers list does not show both rollovers")
        driver.get(URL + "/console")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#pending-rollovers tbody tr")) == 2, "the overview does not show both rollovers in progress")
        check("reserve" in text(driver, "#pending-rollovers"), "the overview does not show the reserve")
        shoot(driver, "overview-with-rollovers")
        click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "#live-certificates a"))
        accessible(driver, "certificate")
        shoot(driver, "certificate")
        check(driver.find_elements(By.CSS_SELECTOR, "#history tbody tr"), "the certificate's history is empty")

        step("toggle HTTPS mode off: the console warns; and on again")
        visit(driver, "/console/settings", "settings")
        check(not driver.find_elements(By.ID, "https-warning"), "a warning shows while HTTPS mode is on")
        Select(driver.find_element(By.ID, "setting-https-mode")).select_by_value("off")
        submit(driver, "#save-settings")
        check("https-mode = off" in text(driver, "#notice"), f"no notice of the change: {text(driver, 'main')[:300]}")
        check("HTTPS mode is off" in text(driver, "#https-warning"), "no HTTPS-mode warning while it is off")
        shoot(driver, "settings-https-off")
        driver.get(URL + "/console")
        check(driver.find_elements(By.ID, "https-warning"), "the warning is not on every page")
        driver.get(URL + "/console/settings")
        Select(driver.find_element(By.ID, "setting-https-mode")).select_by_value("on")
        submit(driver, "#save-settings")
        check(not driver.find_elements(By.ID, "https-warning"), "the warning stays after HTTPS mode is on again")

        step("a bad setting is refused and nothing is saved")
        field = driver.find_element(By.ID, "setting-readiness-threshold-percent")
        field.clear()
        field.send_keys("250")
        submit(driver, "#save-settings")
        check("Nothing was saved" in text(driver, "#page-error"), "a bad value was not refused")

        step("the audit log and the tokens page")
        visit(driver, "/console/audit", "audit")
        audit = text(driver, "#audit")
        check("settings" in audit or "setting" in audit, "the settings changes are not in the audit log")
        visit(driver, "/console/access", "access")
        driver.find_element(By.ID, "token-name").send_keys("browser-made")
        submit(driver, "#create-token")
        check(text(driver, "#created-value").startswith("rollover_"), "a new token is not shown once")

        step("sign out: the session ends")
        submit(driver, "#sign-out")
        check(driver.current_url.endswith("/console/login"), f"not on the sign-in page after signing out: {driver.current_url}")
        driver.get(URL + "/console/settings")
        check(driver.current_url.endswith("/console/login"), "a page opened after signing out")
    except Exception:
        try:
            driver.save_screenshot(os.path.join(SHOTS, "failure.png"))
            print(driver.current_url, file=sys.stderr)
            print(driver.find_element(By.TAG_NAME, "body").text[:2000], file=sys.stderr)
        except Exception:
            pass
        raise
    finally:
        driver.quit()
    print("console browser test: every step passed", flush=True)


if __name__ == "__main__":
    main()
