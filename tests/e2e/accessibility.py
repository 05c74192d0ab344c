"""axe-core scans of pages in the browser (axe-core ships inside axe-playwright-python)."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

_axe = Axe()
BLOCKING_IMPACTS = {"serious", "critical"}


def blocking_violations(page: Page) -> list[str]:
    """WCAG 2.x A/AA rule breaches of serious or critical impact on the current page, scanned once
    it has loaded (a scan of a page whose stylesheets are still arriving judges an unstyled page:
    under load, a click's navigation can still be in flight when the scan is asked for)."""
    page.wait_for_load_state("load")
    results = _axe.run(
        page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]}}
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
