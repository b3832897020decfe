"""The crawler's own rules: which addresses are one route, which links a page offers, how deep and how many."""

from tests.e2e.crawler import PER_PATTERN, crawl, page_links, route, shape


def test_numbers_in_the_path_are_one_route_and_query_values_keep_their_kind():
    assert route("/enquiries/12/follow-ups/new?x=1") == "/enquiries/{id}/follow-ups/new"
    assert shape("/audit?page=3&action=view&date_from=2026-01-02") == "/audit?action=view&date_from={date}&page={n}"
    assert shape("/audit?action=view") != shape("/audit?action=export")


def test_links_and_get_forms_are_followed_but_not_downloads_posts_or_other_sites():
    html = """
      <a href="/enquiries/3">one</a> <a href="https://elsewhere.example/">away</a> <a href="tel:+441">call</a>
      <a href="/enquiries/export.csv">csv</a> <a href="/x" download>file</a> <a href="/static/app.css">css</a>
      <form method="post" action="/enquiries/3/archive"><input name="version" value="1"></form>
      <form action="/audit"><input type="hidden" name="q" value="a b"><input type="checkbox" name="mine">
        <select name="action"><option value="">any</option><option value="view">Viewed</option>
        <option value="export">Exported</option></select><button type="submit">Filter</button></form>"""
    assert page_links("/here", html) == ["/enquiries/3", "/audit?q=a+b&action=", "/audit?q=a+b&action=view",
                                         "/audit?q=a+b&action=export"]


class _Client:
    """Answers every address with a page linking to five rows and to the next page of the list."""

    def __init__(self):
        self.opened = []

    def get(self, url):
        self.opened.append(url)
        rows = "".join(f'<a href="/patients/{n}">row</a>' for n in range(1, 6))
        return _Response(f'{rows}<a href="/patients?page={len(self.opened)}">next</a>')


class _Response:
    status_code, mimetype, headers = 200, "text/html", {}

    def __init__(self, html):
        self.html = html

    def get_data(self, as_text=False):
        return self.html


def test_a_crawl_opens_the_first_rows_of_a_list_and_stops_at_its_depth():
    client = _Client()
    found = crawl(client, ("/",), depth=2)
    assert sum(url.startswith("/patients/") for url in found.visits) == PER_PATTERN
    assert found.pages() == ["/", "/patients/1", "/patients?page=1"]
    assert len(client.opened) == len(set(client.opened))  # nothing opened twice
