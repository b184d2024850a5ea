"""Take the README's picture of the dashboard (retake it after the dashboard changes).

Logs in with an API token (the admin.token `./install.sh` writes) as the dashboard's session,
waits for its parts to load and saves a PNG:

    .venv/bin/python -m tests.ui.screenshot --url http://localhost \\
        --token-file /var/lib/vmfabric/admin.token --out tests/ui/dashboard.png
"""

import argparse
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

from service.web.access import UI_COOKIE
from tests.ui.browser import chromium


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://localhost")
    parser.add_argument("--token-file", default="/var/lib/vmfabric/admin.token")
    parser.add_argument("--out", default="tests/ui/dashboard.png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1500)
    args = parser.parse_args()
    with open(args.token_file) as fh:
        token = fh.read().strip()
    driver = chromium(args.width, args.height)
    try:
        driver.get(f"{args.url}/ui/login")
        driver.add_cookie({"name": UI_COOKIE, "value": token, "path": "/ui"})
        driver.get(f"{args.url}/ui/")
        WebDriverWait(driver, 30).until(seen.presence_of_element_located(
            (By.CSS_SELECTOR, "#vms table")))
        time.sleep(3)  # every part loaded and refreshed once
        driver.save_screenshot(args.out)
        print(args.out)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
