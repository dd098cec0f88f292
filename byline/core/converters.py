class MonthConverter:
    """Two-digit months, as in /2006/12/…"""

    regex = "[0-9]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return f"{int(value):02d}"


class YearConverter:
    """Four-digit years: /0/ or /99999999999/ are not archives (and must not reach datetime)."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{int(value):04d}"


class SlugPathConverter:
    """Slash-separated slugs (``about/team``, ``type/aside``): pages and term archives.

    No segment is all digits: page slugs never are (they would read as years), so an old
    numeric address (``/archives/123``, ``/a-post/2/``) is left to the old-address middleware
    and an address without its final slash is not redirected to one that cannot exist.
    """

    regex = r"[^/]*[^/0-9][^/]*(?:/[^/]*[^/0-9][^/]*)*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
