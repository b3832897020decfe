"""Walk the tracker as one signed-in person: every page linked from the navigation, a few rows of each list, to a
fixed depth, and what each page must pass in Chromium at each screen size.

Discovery uses the test client (fast: status codes for every link); the browser then opens one address per route
(numbers in the path read as {id}) and checks it at each size: no wider than the screen, no duplicate ids, no
serious or critical axe-core violation.
"""

import queue
import re
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import zip_longest
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

SIZES = ((1366, 800), (820, 1180), (390, 844))  # desktop, tablet, phone
DEPTH = 3  # the first page, its navigation, and two clicks on
PER_PATTERN = 2  # addresses opened per route and query shape (the first rows of a list)
PER_PATH = 12  # query variants (filters, pages) opened per route, taking each filter's choices in turn
SKIPPED_PATHS = ("/static/", "/bootstrap/", "/logout")
DOWNLOADS = re.compile(r"\.(csv|xlsx|ics|pdf|png|jpe?g|svg)$")
try:  # axe-core as the package ships it: nothing is downloaded
    from axe_playwright_python.base import AXE_SCRIPT
except ImportError:  # the browser fixture then skips, or fails under CI, with the reason
    AXE_SCRIPT = ""
HOST = "localhost"
NAVIGATION_TIMEOUT_MS = 120_000  # a loaded CI machine is slow, not broken

# The widest element past the right edge, to say what overflows.
OVERFLOW_JS = """async () => {
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));  // the resize painted
  const width = window.innerWidth, scroll = document.documentElement.scrollWidth;
  if (scroll <= width) return null;
  let worst = null, right = width;
  const walk = (parent, clipped) => {  // a scrolling box clips its content, but not what escapes it positioned
    for (const el of parent.children) {
      const style = getComputedStyle(el), r = el.getBoundingClientRect();
      const counts = !clipped || ['absolute', 'fixed'].includes(style.position);
      if (counts && r.right > right + 0.5 && r.width > 0) { right = r.right; worst = el; }
      walk(el, clipped || style.overflowX !== 'visible');
    }
  };
  walk(document.body, false);
  const name = worst ? worst.tagName.toLowerCase() + (worst.id ? '#' + worst.id : '')
    + (worst.classList.length ? '.' + [...worst.classList].slice(0, 3).join('.') : '') : '?';
  return `${scroll} px wide at ${width} px (widest: ${name}, ${Math.round(right)} px)`;
}"""
DUPLICATE_IDS_JS = """() => {
  const seen = {};
  for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
  return Object.entries(seen).filter(([, n]) => n > 1).map(([id, n]) => `id="${id}" x${n}`);
}"""
AXE_JS = """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
  .filter(v => ['serious', 'critical'].includes(v.impact))
  .map(v => `axe ${v.impact} ${v.id} (${v.nodes.length}x, first ${v.nodes[0].target.join(' ')}): ${v.help}`))"""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one page, for the report."""

    role: str
    size: str
    url: str
    problem: str

    def __str__(self) -> str:
        return f"{self.role:<10} {self.size:<9} {self.url}  {self.problem}"


@dataclass
class Visit:
    """An address the crawl opened: its answer, and the page that linked to it."""

    url: str
    status: int
    linked_from: str
    html: bool = False


def route(url: str) -> str:
    """The route an address belongs to: numbers in the path as {id}, no query."""
    return re.sub(r"/\d+(?=/|$|\.)", "/{id}", urlsplit(url).path)


def _value_shape(value: str) -> str:
    if re.fullmatch(r"-?\d+", value):
        return "{n}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value):
        return "{date}"
    return "{token}" if len(value) > 24 else value


def shape(url: str) -> str:
    """The route with its query's names and kinds of value: two addresses of one shape show the same page."""
    query = sorted((k, _value_shape(v)) for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True))
    return route(url) + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")


class _Page(HTMLParser):
    """The links of a page, and the addresses its GET forms lead to (as sent, then with each choice of a list)."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url, self.links, self._form, self._select = url, [], None, None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href") and "download" not in a:
            self.links.append(a["href"])
        elif tag == "form":
            get = a.get("method", "get").lower() == "get"
            self._form = {"action": a.get("action") or self.url, "fields": [], "selects": {}} if get else None
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and not a.get("disabled"):
            kind = a.get("type", "text").lower()
            if (kind in ("checkbox", "radio") and "checked" not in a) or kind in ("submit", "button", "image", "file"):
                return
            self._form["fields"].append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["selects"][self._select] = []
        elif tag == "option" and self._select is not None:
            self._form["selects"][self._select].append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            self._submit(self._form)
            self._form = None

    def _submit(self, form: dict) -> None:
        chosen = {name: next((v for v, s in options if s), options[0][0] if options else "")
                  for name, options in form["selects"].items()}
        base = urljoin(self.url, form["action"]).split("?")[0]

        def address(choices: dict) -> str:
            return f"{base}?{urlencode(form['fields'] + list(choices.items()))}"

        self.links.append(address(chosen))
        others = [[(name, value) for value, _ in options if value and value != chosen[name]]
                  for name, options in form["selects"].items()]
        for name, value in (pair for turn in zip_longest(*others) for pair in turn if pair):  # each list in turn
            self.links.append(address({**chosen, name: value}))


def page_links(url: str, html: str) -> list[str]:
    """Same-site addresses a person can reach from the page by a click, downloads and assets left out."""
    parser = _Page(url)
    parser.feed(html)
    found = []
    for href in parser.links:
        parts = urlsplit(urljoin(f"http://{HOST}{url}", href))
        if parts.scheme != "http" or parts.netloc != HOST or parts.path.startswith(SKIPPED_PATHS):
            continue
        if DOWNLOADS.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


@dataclass
class Crawl:
    """What one person's crawl opened, in the order found."""

    visits: dict[str, Visit] = field(default_factory=dict)

    def pages(self) -> list[str]:
        """One HTML page per route, the first found, to open in the browser."""
        first: dict[str, str] = {}
        for visit in self.visits.values():
            if visit.html:
                first.setdefault(route(visit.url), visit.url)
        return list(first.values())

    def routes(self) -> set[str]:
        """Every route opened, whatever it answered."""
        return {route(url) for url in self.visits}


def crawl(client, starts: tuple[str, ...] = ("/",), depth: int = DEPTH) -> Crawl:
    """Open the start pages, then whatever they link to, breadth first, `depth` clicks deep."""
    result, per_shape, per_route, queued = Crawl(), {}, {}, set(starts)
    level = [(url, "(start)") for url in starts]
    for _ in range(depth + 1):
        following = []
        for url, linked_from in level:
            response = client.get(url)
            visit = result.visits[url] = Visit(url, response.status_code, linked_from,
                                               response.status_code == 200 and response.mimetype == "text/html")
            if 300 <= visit.status < 400:
                targets = page_links(url, f'<a href="{response.headers["Location"]}">')
            else:
                targets = page_links(url, response.get_data(as_text=True)) if visit.html else []
            for target in targets:
                if target in queued or per_shape.get(shape(target), 0) >= PER_PATTERN:
                    continue
                if "?" in target and per_route.get(route(target), 0) >= PER_PATH:
                    continue
                per_shape[shape(target)] = per_shape.get(shape(target), 0) + 1
                per_route[route(target)] = per_route.get(route(target), 0) + ("?" in target)
                queued.add(target)
                following.append((target, url))
        level = following
    return result


def status_problems(role: str, found: Crawl) -> list[Problem]:
    """Every address that answered a server error, or an error for a link the page offered."""
    return [Problem(role, "-", visit.url, f"answers {visit.status} (linked from {visit.linked_from})")
            for visit in found.visits.values() if visit.status >= 400]


def check_page(page, role: str, base: str, url: str, axe: bool = True) -> list[Problem]:
    """Open the page and check it at each size: fits the screen, unique ids (once), no serious axe violation."""
    response = page.goto(base + url)
    if response is None or response.status >= 400:
        return [Problem(role, "-", url, f"answers {response.status if response else 'nothing'} in the browser")]
    problems = [Problem(role, "any", url, f"duplicate {dup}") for dup in page.evaluate(DUPLICATE_IDS_JS)]
    if axe:
        page.evaluate(AXE_SCRIPT)
    for width, height in SIZES:
        size = f"{width}x{height}"
        page.set_viewport_size({"width": width, "height": height})
        if overflow := page.evaluate(OVERFLOW_JS):
            problems.append(Problem(role, size, url, f"overflow: {overflow}"))
        if axe:
            problems.extend(Problem(role, size, url, found) for found in page.evaluate(AXE_JS))
    return problems


class Lanes:
    """Chromiums in threads of their own, taking pages from one queue: axe-core keeps a renderer's core busy, so
    two lanes check pages about twice as fast on two cores. Each lane keeps one context per role, signed in by the
    role's session cookie; a context is resized between checks, never reopened."""

    def __init__(self, launch: dict, count: int = 2):
        self.jobs: queue.Queue = queue.Queue()
        self.threads = [threading.Thread(target=self._lane, args=(launch,), daemon=True) for _ in range(count)]
        for thread in self.threads:
            thread.start()

    def check(self, role: str, base: str, cookie: dict | None, urls: list[str], axe: set[str]) -> list[Problem]:
        """Every page checked (in any order), axe-core run on those in `axe`; the problems of all of them."""
        replies: queue.Queue = queue.Queue()
        for url in urls:
            self.jobs.put((role, base, cookie, url, url in axe, replies))
        problems = []
        for _ in urls:
            problems.extend(replies.get(timeout=300))
        return problems

    def close(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join(timeout=60)

    def _lane(self, launch: dict) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch)
            pages: dict = {}
            while (job := self.jobs.get()) is not None:
                role, base, cookie, url, axe, replies = job
                try:
                    if role not in pages:
                        width, height = SIZES[0]
                        context = browser.new_context(viewport={"width": width, "height": height})
                        context.set_default_timeout(NAVIGATION_TIMEOUT_MS)
                        if cookie:
                            context.add_cookies([{**cookie, "url": base}])
                        pages[role] = context.new_page()
                    replies.put(check_page(pages[role], role, base, url, axe))
                except Exception as error:  # a lane reports what broke and goes on
                    replies.put([Problem(role, "-", url, f"the browser check failed: {error!r}")])
            browser.close()
