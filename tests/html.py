"""Reading a page's elements by id, as a test needs them: a field's attributes (is it
marked invalid, what describes it) and the text of the message next to it."""

from html.parser import HTMLParser

_VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _ById(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, dict[str, str]] = {}
        self.text: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        element_id = attrs.get("id")
        if element_id:
            self.attrs[element_id] = attrs
            self.text.setdefault(element_id, "")
        if tag not in _VOID:
            self._open.append((tag, element_id))

    def handle_endtag(self, tag):
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for _, element_id in self._open:
            if element_id:
                self.text[element_id] += data


class Page:
    """The elements of an HTML page that have an id."""

    def __init__(self, content: bytes | str):
        parser = _ById()
        parser.feed(content.decode() if isinstance(content, bytes) else content)
        self._parsed = parser

    def attrs(self, element_id: str) -> dict[str, str]:
        return self._parsed.attrs[element_id]

    def classes(self, element_id: str) -> list[str]:
        return self.attrs(element_id).get("class", "").split()

    def text(self, element_id: str) -> str:
        return " ".join(self._parsed.text[element_id].split())
