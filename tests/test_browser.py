"""The page in Debian's headless Chromium against the real app on loopback: highlights, keyboard, errors."""
import pytest
import requests
from loopback import serving
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from service.config import LABELS, ROOT, SEEDS_DIR
from service.page import LABEL_NAMES

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1000")
SCREENSHOT = ROOT / "var" / "screenshots" / "page.png"
KAZAKH_SEED = "000_278911d7b08bd1a4.txt"
RUSSIAN_SEED = "003_41fb8f027a77d834.txt"


@pytest.fixture(scope="module")
def server(app):
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except Exception as error:  # any failure to start is a failed test, never a skip
        pytest.fail(f"Chromium could not start ({CHROMIUM} with {CHROMEDRIVER}; .ci/run installs them): {error}")
    yield driver
    driver.quit()


def _open(driver, server):
    driver.get(server + "/")
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "app").get_attribute("data-ready") == "true")
    driver.get_log("browser")  # start each test with an empty console


def _wait_for(driver, outcome: str):
    """Wait until the answer is on screen: the results (outcome 'results') or an error ('error')."""
    shown = "#results:not([hidden])" if outcome == "results" else "#error:not([hidden])"
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, shown)
                                    and d.find_element(By.ID, "app").get_attribute("aria-busy") is None)


def _classify_and_wait(driver, outcome: str):
    driver.find_element(By.ID, "classify").click()
    _wait_for(driver, outcome)


def _set_text(driver, text: str):
    driver.execute_script("const box = document.getElementById('article'); box.value = arguments[0];"
                          "box.dispatchEvent(new Event('input'));", text)


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _bar_values(driver, container: str) -> dict:
    return {label: driver.find_element(By.CSS_SELECTOR, f"{container} .bar-value[data-label={label}]").text
            for label in LABELS}


def _assert_highlights_match(driver, expected: dict):
    spans = driver.find_elements(By.CSS_SELECTOR, "#sentences .sentence")
    assert len(spans) == len(expected["sentences"]) > 0
    for span, sentence in zip(spans, expected["sentences"]):
        assert span.get_attribute("data-label") == sentence["label"]
        assert span.find_element(By.CLASS_NAME, "sentence-text").get_attribute("textContent") == sentence["text"]
        tag = LABEL_NAMES[sentence["label"]][0] + (" · uncertain" if sentence["abstain"] else "")
        assert span.find_element(By.CLASS_NAME, "tag").text == tag
    summary = expected["summary"]
    assert driver.find_element(By.ID, "dominant").get_attribute("data-label") == summary["label"]
    assert driver.find_element(By.ID, "dominant").text.startswith(LABEL_NAMES[summary["label"]][0])
    assert _bar_values(driver, "#summary-bars") == {label: _percent(summary["scores"][label]) for label in LABELS}
    return spans


def test_pasted_article_is_highlighted_as_the_api_answers_and_keyboard_selects(browser, server, seed_articles,
                                                                              capsys):
    article = seed_articles[KAZAKH_SEED]
    _open(browser, server)
    legend = browser.find_elements(By.CSS_SELECTOR, "#legend li[data-label]")
    assert [item.get_attribute("data-label") for item in legend] == list(LABELS)
    browser.find_element(By.ID, "article").send_keys(article)  # typed as a person would
    assert browser.execute_script("return document.getElementById('article').value") == article
    _classify_and_wait(browser, "results")
    expected = requests.post(server + "/classify", json={"text": article, "explain": True}, timeout=30).json()
    spans = _assert_highlights_match(browser, expected)

    # Keyboard only: Enter on the first sentence, arrows to another, Space to select it.
    target = next(i for i, s in enumerate(expected["sentences"]) if i > 0 and s["evidence"])
    spans[0].send_keys(Keys.ENTER)
    assert spans[0].get_attribute("aria-pressed") == "true"
    keys = ActionChains(browser)
    for _ in range(target):
        keys.send_keys(Keys.ARROW_DOWN)
    keys.send_keys(Keys.SPACE).perform()
    focused = browser.switch_to.active_element
    assert focused.get_attribute("data-index") == str(target)
    assert focused.get_attribute("aria-pressed") == "true" and spans[0].get_attribute("aria-pressed") == "false"
    outline = browser.execute_script("const s = getComputedStyle(arguments[0]); return [s.outlineStyle, "
                                     "parseFloat(s.outlineWidth)];", focused)
    assert outline[0] != "none" and outline[1] >= 2  # the focus is visible

    sentence = expected["sentences"][target]
    assert browser.find_element(By.ID, "details-text").text == sentence["text"]
    assert browser.find_element(By.ID, "details-label").get_attribute("data-label") == sentence["label"]
    assert browser.find_element(By.ID, "details-confidence").text == _percent(sentence["confidence"])
    assert browser.find_element(By.ID, "details-abstain").text.startswith("Yes" if sentence["abstain"] else "No")
    assert _bar_values(browser, "#details-scores") == {label: _percent(sentence["scores"][label]) for label in LABELS}
    terms = browser.find_elements(By.CSS_SELECTOR, "#details-evidence li.term")
    assert [term.text.rsplit(" (", 1)[0] for term in terms] == [item["term"] for item in sentence["evidence"]]

    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []  # no CSP violation, no failed asset, no script error

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(1280, 1900)
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(SCREENSHOT))
    browser.set_window_size(1280, 1000)
    with capsys.disabled():
        print(f"\nscreenshot of the page: {SCREENSHOT}")


def test_opened_txt_file_is_classified(browser, server, seed_articles):
    _open(browser, server)
    browser.find_element(By.ID, "file").send_keys(str(SEEDS_DIR / RUSSIAN_SEED))
    _wait_for(browser, "results")
    assert browser.execute_script("return document.getElementById('article').value") == seed_articles[RUSSIAN_SEED]
    expected = requests.post(server + "/classify", json={"text": seed_articles[RUSSIAN_SEED]}, timeout=30).json()
    _assert_highlights_match(browser, expected)


def test_a_file_that_is_not_utf8_is_refused_in_words(browser, server, tmp_path):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Président Tokaïev a déclaré".encode("latin-1"))
    _open(browser, server)
    browser.find_element(By.ID, "file").send_keys(str(latin1))
    _wait_for(browser, "error")
    assert "is not UTF-8 text" in browser.find_element(By.ID, "error").text


@pytest.mark.parametrize(("text", "words"), [
    ("", "There is no text to classify"),
    ("   \n  ", "There is no text to classify"),
    ("Бұл сөйлем. " * 9000, "The article is too long: it has 108,000 characters and the limit is 100,000"),
    ("a" * (2 * 1024 * 1024 + 1), "The article is too large to send: the service accepts at most 2 MB"),
])
def test_api_errors_are_shown_in_words(browser, server, seed_articles, text, words):
    _open(browser, server)
    _set_text(browser, seed_articles[KAZAKH_SEED])
    _classify_and_wait(browser, "results")
    _set_text(browser, text)
    _classify_and_wait(browser, "error")
    assert words in browser.find_element(By.ID, "error").text
    assert browser.find_elements(By.CSS_SELECTOR, "#results[hidden]")  # old results do not linger


def test_a_sentence_is_corrected_in_two_clicks(browser, model, tmp_path, seed_articles):
    """Click a sentence, click the framing it should have: the correction is stored as pending."""
    from service.app import create_app
    from service.storage import open_store

    database = tmp_path / "feedback.sqlite3"
    app = create_app({"TESTING": True, "FEEDBACK_DB": str(database)}, model=model)
    with serving(app) as url:
        _open(browser, url)
        _set_text(browser, seed_articles[RUSSIAN_SEED])
        _classify_and_wait(browser, "results")
        first = browser.find_elements(By.CSS_SELECTOR, "#sentences .sentence")[0]
        first.click()  # click one
        wanted = next(label for label in LABELS if label != first.get_attribute("data-label"))
        browser.find_element(By.CSS_SELECTOR, f"#correct .correct-label[data-label={wanted}]").click()  # two
        WebDriverWait(browser, 10).until(lambda d: "stored for review" in d.find_element(By.ID, "correct-status").text)
    store = open_store({"FEEDBACK_DB": str(database), "FEEDBACK_RETENTION_DAYS": 0})
    try:
        records, _, total = store.page("pending", 0, 10)
    finally:
        store.close()
    assert total == 1
    assert records[0]["label"] == wanted
    assert records[0]["text"] == first.find_element(By.CLASS_NAME, "sentence-text").get_attribute("textContent")


def test_a_keyed_deployment_asks_for_the_key_and_sends_it(browser, model, seed_articles):
    """With API keys set, the page says a key is needed, then classifies with the key typed into it."""
    from service.app import create_app

    key = "newsroom-0123456789abcdef"
    app = create_app({"TESTING": True, "API_KEYS": key}, model=model)
    with serving(app) as url:
        _open(browser, url)
        _set_text(browser, seed_articles[RUSSIAN_SEED])
        _classify_and_wait(browser, "error")
        assert "needs an API key" in browser.find_element(By.ID, "error").text
        box = browser.find_element(By.ID, "api-key")
        box.send_keys(key)
        box.send_keys(Keys.TAB)  # commits the value ("change"), as leaving the field does
        _classify_and_wait(browser, "results")
        assert browser.find_elements(By.CSS_SELECTOR, "#sentences .sentence")
        assert browser.execute_script("return sessionStorage.getItem('framing-api-key')") == key
