"""The built site in a real headless Chromium: what a reader sees.

Needs Debian's `chromium` and `chromium-driver` packages and the `selenium`
package (which drives /usr/bin/chromedriver; nothing is downloaded). Without
them these tests skip, except in CI (CI set), where a missing browser fails.
One browser and one local HTTP server serve the whole module.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import HOSTILE, SITE_RECORDS, run_atlas, site_atlas

from atlas_cli.core.pem import LABELS

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
]
INSTALL = "apt-get install -y chromium chromium-driver && pip install selenium"


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    if not CHROMIUM or not CHROMEDRIVER:
        return "headless Chromium (chromium, chromedriver) is not installed"
    return None


MISSING = _missing()
if MISSING and os.environ.get("CI"):
    pytest.fail(f"browser tests cannot run in CI: {MISSING} ({INSTALL})", pytrace=False)
pytestmark = [
    pytest.mark.skipif(MISSING is not None, reason=f"{MISSING}; to run them: {INSTALL}"),
    pytest.mark.xdist_group("browser"),  # one worker runs them all: one browser, one site
]

PEM_COLOURS = {  # the stylesheet's badge colours, as computed styles report them
    "required": "rgb(30, 107, 52)",
    "not-required": "rgb(154, 52, 18)",
    "unclear": "rgb(75, 85, 99)",
    "not-applicable": "rgb(29, 78, 216)",
}
BADGE_PAGES = {
    "required": "smith-2021-exercise-capacity",
    "not-required": "lee-2019-fatigue-survey",
    "unclear": "unknown-2018-immune-markers",
    "not-applicable": "brown-2020-immune-review",
}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return site_atlas(tmp_path_factory.mktemp("browser") / "atlas")


@pytest.fixture(scope="module")
def site(root: Path) -> Path:
    result = run_atlas("build", "--output", "out", "--include-drafts", cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "out"


@pytest.fixture(scope="module")
def base_url(site: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(base_url: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="atlas-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_script_timeout(10)
    try:
        driver.execute_cdp_cmd(
            "Browser.grantPermissions",
            {"origin": base_url.rstrip("/"), "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
        )
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(browser, base_url: str, rel: str):
    browser.get(base_url + rel)
    assert browser.execute_script("return document.readyState") == "complete"
    return browser


def evidence(browser, base_url: str, slug: str):
    return open_page(browser, base_url, f"evidence/{slug}/index.html")


def text_of(browser, element_id: str) -> str:
    return browser.execute_script("return document.getElementById(arguments[0]).textContent", element_id)


def style_of(browser, selector: str, prop: str) -> str:
    return browser.execute_script(
        "return getComputedStyle(document.querySelector(arguments[0])).getPropertyValue(arguments[1])", selector, prop
    )


# --- evidence pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("badge", sorted(BADGE_PAGES))
def test_pem_badge_text_and_colour(browser, base_url, badge):
    evidence(browser, base_url, BADGE_PAGES[badge])
    element = browser.find_element("id", "pem-badge")
    assert element.is_displayed()
    assert element.text == LABELS[badge]
    assert style_of(browser, "#pem-badge", "background-color") == PEM_COLOURS[badge]
    assert style_of(browser, "#pem-badge", "color") == "rgb(255, 255, 255)"
    assert int(style_of(browser, "#pem-badge", "font-weight")) >= 700
    # prominent: larger than the body text and than the other badges of the row (14px)
    assert float(style_of(browser, "#pem-badge", "font-size")[:-2]) > 16


def test_pem_badge_colours_are_distinct():
    assert len(set(PEM_COLOURS.values())) == len(PEM_COLOURS) == len(LABELS)


@pytest.mark.parametrize(
    "slug", ["smith-2021-exercise-capacity", "unknown-2018-immune-markers", "hostile-2023-markup-test"]
)
def test_citation_blocks_show_exactly_what_atlas_cite_prints(root, browser, base_url, slug):
    evidence(browser, base_url, slug)
    for fmt in ("primary", "bibtex", "snapshot"):
        cited = run_atlas("cite", slug, "--format", fmt, cwd=root)
        assert cited.returncode == 0, cited.stderr
        assert text_of(browser, f"cite-{fmt}") == cited.stdout.rstrip("\n"), fmt


def test_copy_buttons_put_the_block_on_the_clipboard(browser, base_url):
    evidence(browser, base_url, "smith-2021-exercise-capacity")
    for fmt in ("primary", "bibtex", "snapshot"):
        button = browser.find_element("css selector", f'button[data-copy="cite-{fmt}"]')
        button.click()
        copied = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "navigator.clipboard.readText().then(done, e => done('clipboard error: ' + e));"
        )
        assert copied == text_of(browser, f"cite-{fmt}"), fmt
        assert button.get_attribute("data-copied") == "true"
        status = button.find_element("xpath", "following-sibling::span[@class='copy-status']")
        assert status.text == "Copied"


def test_retraction_banner_shows_on_a_retracted_study(browser, base_url):
    evidence(browser, base_url, "garcia-2017-retracted-trial")
    banner = browser.find_element("id", "retraction-banner")
    assert banner.is_displayed()
    assert banner.text.startswith("Retracted. This paper has been retracted")
    assert style_of(browser, "#retraction-banner", "background-color") == "rgb(185, 28, 28)"
    assert banner.location["y"] < browser.find_element("tag name", "h1").location["y"]
    evidence(browser, base_url, "smith-2021-exercise-capacity")
    assert browser.find_elements("id", "retraction-banner") == []


def test_the_quote_behind_a_confirmed_badge_shows_beside_it(browser, base_url):
    evidence(browser, base_url, "smith-2021-exercise-capacity")
    quotes = browser.find_element("id", "pem-quotes")
    assert quotes.is_displayed()
    quote = SITE_RECORDS["smith-2021-exercise-capacity"]["pem"]["proposed"]["quotes"][0]["text"]
    assert browser.find_element("css selector", "#pem-quotes blockquote").text == quote
    assert "From the paper’s methods" in quotes.text and browser.find_elements("id", "pem-proposed") == []
    evidence(browser, base_url, "lee-2019-fatigue-survey")
    assert browser.find_elements("id", "pem-quotes") == []


def test_draft_is_marked(browser, base_url):
    evidence(browser, base_url, "patel-2022-draft-study")
    assert browser.find_element("id", "draft-banner").text.startswith("Draft.")


def test_hostile_text_stays_text(browser, base_url):
    evidence(browser, base_url, "hostile-2023-markup-test")
    assert browser.execute_script("return document.scripts.length") == 1
    assert browser.find_element("tag name", "h1").text == " ".join(("Title " + HOSTILE).split())
    assert browser.execute_script("return document.querySelectorAll('[onmouseover], main b').length") == 0
    # (an alert would have opened and made the calls above fail)


# --- the index page --------------------------------------------------------------------------


def shown(browser) -> list[str]:
    return browser.execute_script(
        "return [...document.querySelectorAll('#study-list > li')].filter(li => !li.hidden"
        " && li.offsetParent !== null).map(li => li.id.slice(6))"
    )


def visible_studies(browser, expected: list[str] | None = None) -> list[str]:
    """The studies shown, once they are EXPECTED (or after a few seconds, whatever they are)."""
    if expected is not None:
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            WebDriverWait(browser, 5, poll_frequency=0.05).until(lambda d: sorted(shown(d)) == sorted(expected))
        except TimeoutException:
            pass
    return shown(browser)


def choose(browser, select_id: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", select_id)).select_by_value(value)


def test_filters_and_search_narrow_the_list(browser, base_url):
    open_page(browser, base_url, "index.html")
    everything = visible_studies(browser)
    assert sorted(everything) == sorted(SITE_RECORDS)  # built with drafts
    choose(browser, "filter-pem", "required")
    assert visible_studies(browser, ["smith-2021-exercise-capacity"]) == ["smith-2021-exercise-capacity"]
    assert browser.find_element("id", "study-count").text == f"1 of {len(SITE_RECORDS)} studies match."
    choose(browser, "filter-pem", "")
    choose(browser, "filter-topic", "cytokines")
    assert sorted(visible_studies(browser, ["brown-2020-immune-review", "unknown-2018-immune-markers"])) == [
        "brown-2020-immune-review",
        "unknown-2018-immune-markers",
    ]
    choose(browser, "filter-year", "2020")
    assert visible_studies(browser, ["brown-2020-immune-review"]) == ["brown-2020-immune-review"]
    browser.find_element("css selector", "#study-filters button[type=reset]").click()
    assert visible_studies(browser, everything) == everything
    choose(browser, "filter-design", "rct")
    assert visible_studies(browser, ["garcia-2017-retracted-trial"]) == ["garcia-2017-retracted-trial"]
    choose(browser, "filter-design", "")
    search = browser.find_element("id", "filter-q")
    search.send_keys("muller")  # folds accents: finds Müller
    assert visible_studies(browser, ["smith-2021-exercise-capacity"]) == ["smith-2021-exercise-capacity"]
    search.clear()
    search.send_keys("IMMUNE review")  # every word, in title or authors, any case
    assert visible_studies(browser, ["brown-2020-immune-review"]) == ["brown-2020-immune-review"]
    search.clear()
    search.send_keys("consortium")  # an organisation author
    assert visible_studies(browser, ["brown-2020-immune-review"]) == ["brown-2020-immune-review"]
    search.clear()
    search.send_keys("no such study")
    assert visible_studies(browser, []) == []
    assert browser.find_element("id", "study-count").text == f"0 of {len(SITE_RECORDS)} studies match."


def test_the_site_works_from_a_file_url(browser, site):
    browser.get((site / "index.html").as_uri())
    choose(browser, "filter-pem", "not-applicable")
    assert visible_studies(browser, ["brown-2020-immune-review"]) == ["brown-2020-immune-review"]
    browser.find_element("link text", "The immune system in ME/CFS: a review").click()
    assert browser.current_url.endswith("/evidence/brown-2020-immune-review/index.html")
    assert style_of(browser, "#pem-badge", "background-color") == PEM_COLOURS["not-applicable"]


PAGES = [
    "index.html",
    "topics/index.html",
    "topics/cytokines/index.html",
    "criteria/index.html",
    "criteria/fukuda-1994/index.html",
    "criteria/nice-2021/index.html",
] + [f"evidence/{slug}/index.html" for slug in sorted(SITE_RECORDS)]


@pytest.mark.parametrize("rel", PAGES)
def test_pages_load_nothing_from_outside(browser, base_url, rel):
    open_page(browser, base_url, rel)
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(url.startswith(base_url) for url in resources), resources


# --- accessibility ------------------------------------------------------------------------------

A11Y_CHECK = r"""
function parse(c) {
  const m = c.match(/rgba?\(([^)]+)\)/); const p = m[1].split(',').map(Number);
  return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
}
function lum(c) {
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
}
function background(el) {
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c.a > 0) return c;
  }
  return {r: 255, g: 255, b: 255, a: 1};
}
const problems = [];
for (const el of document.querySelectorAll('body *')) {
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || !el.getClientRects().length) continue;
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden' || el.closest('[hidden], .skip, script')) continue;
  const fg = lum(parse(style.color)), bg = lum(background(el));
  const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
  const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  if (ratio < (large ? 3 : 4.5)) problems.push('contrast ' + ratio.toFixed(2) + ': ' + el.tagName + ' ' + el.textContent.trim().slice(0, 40));
}
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden') continue;
  const named = el.labels.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  if (!named) problems.push('unlabelled ' + el.tagName + '#' + el.id);
}
for (const el of document.querySelectorAll('button, a')) {
  if (!(el.textContent.trim() || el.getAttribute('aria-label'))) problems.push('no name: ' + el.outerHTML.slice(0, 60));
  const label = el.getAttribute('aria-label');
  if (label && !label.toLowerCase().includes(el.textContent.trim().toLowerCase()))
    problems.push('visible text not in name: ' + label);
}
for (const img of document.querySelectorAll('img')) {
  if (!img.hasAttribute('alt')) problems.push('image without alt: ' + img.src);
}
const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => Number(h.tagName[1]));
if (levels[0] !== 1) problems.push('first heading is not h1: ' + levels.join(','));
if (levels.filter(l => l === 1).length !== 1) problems.push('not exactly one h1: ' + levels.join(','));
levels.forEach((l, i) => { if (i && l > levels[i - 1] + 1) problems.push('heading level skipped: ' + levels.join(',')); });
if (!document.documentElement.lang) problems.push('no lang on html');
if (!document.title.trim()) problems.push('no title');
const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
if (new Set(ids).size !== ids.length) problems.push('duplicate ids');
return problems;
"""


@pytest.mark.parametrize("rel", PAGES)
def test_pages_pass_the_accessibility_check(browser, base_url, rel):
    open_page(browser, base_url, rel)
    assert browser.execute_script(A11Y_CHECK) == []


def test_the_accessibility_check_catches_problems(browser, base_url):
    open_page(browser, base_url, "index.html")
    browser.execute_script("""
        const p = document.createElement('p'); p.textContent = 'pale'; p.style.color = '#cccccc';
        const i = document.createElement('input'); const h = document.createElement('h4'); h.textContent = 'deep';
        const img = document.createElement('img');
        document.querySelector('main').append(p, i, h, img);""")
    problems = browser.execute_script(A11Y_CHECK)
    assert any(p.startswith("contrast") for p in problems)
    assert any(p.startswith("unlabelled INPUT") for p in problems)
    assert any(p.startswith("heading level skipped") for p in problems)
    assert any(p.startswith("image without alt") for p in problems)


def test_screenshot_of_an_evidence_page(browser, base_url):
    evidence(browser, base_url, "smith-2021-exercise-capacity")
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(max(height, 800), 4000))
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / "evidence-page.png"
        assert browser.save_screenshot(str(path))
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    finally:
        browser.set_window_size(1280, 1000)


LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3
LONG_RECORDS = {
    "long-2024-unbroken-words": {
        "status": "published",
        "title": f"{LONG_WORD} in ME/CFS: a title with one word longer than a phone screen",
        "authors": [{"family": "Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaft" * 2, "given": "H"}],
        "journal": "Journal of " + LONG_WORD,
        "year": 2024,
        "doi": "10.1234/" + "x" * 120,
        "pem": {"badge": "not-required", "criteria": ["fukuda-1994"]},
        "summary": "Summary mentioning " + LONG_WORD + ".",
        "why_it_matters": "W.",
        "does_not_show": "D.",
        "topics": ["fatigue"],
        "snapshot_date": "2026-05-30",
    },
}


@pytest.mark.parametrize("rel", ["evidence/long-2024-unbroken-words/index.html", "index.html"])
def test_long_unbroken_words_wrap_on_a_phone_screen(browser, tmp_path, rel):
    # A 375 px wide window: nothing may stick out sideways (no horizontal scrolling).
    root = site_atlas(tmp_path / "atlas", LONG_RECORDS)
    result = run_atlas("build", "--output", "out", cwd=root)
    assert result.returncode == 0, result.stderr
    browser.set_window_size(375, 900)
    try:
        browser.get((root / "out" / rel).as_uri())
        width = browser.execute_script("return document.documentElement.clientWidth")
        assert width <= 400, width
        wide = browser.execute_script(
            "const w = document.documentElement.clientWidth;"
            "return [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > w + 1).map(e => e.tagName + '.' + e.className);"
        )
        assert wide == []
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    finally:
        browser.set_window_size(1280, 1000)


def test_search_finds_letters_without_an_accent_mark_typed_plainly(browser, tmp_path):
    # Ø, æ, ß, ł have no combining accent to strip: "oystein" must still find Øystein.
    records = {
        "fluge-2019-lymphocyte-depletion": dict(
            LONG_RECORDS["long-2024-unbroken-words"],
            title="B-Lymphocyte Depletion in ME/CFS",
            authors=[{"family": "Sørland", "given": "Øystein"}, {"family": "Aßmus", "given": "Jørgen"}],
        ),
        "other-2020-study-title": dict(
            LONG_RECORDS["long-2024-unbroken-words"],
            title="Another study",
            authors=[{"family": "Smith", "given": "Ann"}],
            doi="10.1234/another.study",
        ),
    }
    root = site_atlas(tmp_path / "atlas", records)
    assert run_atlas("build", "--output", "out", cwd=root).returncode == 0
    browser.get((root / "out" / "index.html").as_uri())
    search = browser.find_element("id", "filter-q")
    for query in ("oystein sorland", "ASSMUS", "Øystein", "jorgen"):
        search.clear()
        search.send_keys(query)
        assert visible_studies(browser, ["fluge-2019-lymphocyte-depletion"]) == ["fluge-2019-lymphocyte-depletion"], (
            query
        )


def test_a_page_built_with_allow_errors_says_so_at_the_top(browser, tmp_path):
    """--allow-errors: the page of a record lint rejects carries a visible notice above its title."""
    slug = "smith-2021-exercise-capacity"
    wrong = dict(SITE_RECORDS[slug], pem=dict(SITE_RECORDS[slug]["pem"], badge="not-required"))
    root = site_atlas(
        tmp_path / "atlas", {slug: wrong, "brown-2020-immune-review": SITE_RECORDS["brown-2020-immune-review"]}
    )
    assert run_atlas("build", "--output", "out", cwd=root).returncode == 1
    result = run_atlas("build", "--output", "out", "--allow-errors", cwd=root)
    assert result.returncode == 0, result.stderr
    browser.get((root / "out" / "evidence" / slug / "index.html").as_uri())
    banner = browser.find_element("id", "lint-banner")
    assert banner.is_displayed()
    assert banner.text.startswith("atlas lint rejects this record. What this page says, the PEM badge included")
    assert "contradicts the criteria" in banner.text and "(pem-badge)" in banner.text
    assert banner.location["y"] < browser.find_element("tag name", "h1").location["y"]
    assert browser.execute_script(A11Y_CHECK) == []  # readable: contrast, headings
    browser.get((root / "out" / "evidence" / "brown-2020-immune-review" / "index.html").as_uri())
    assert browser.find_elements("id", "lint-banner") == []
