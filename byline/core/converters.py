class MonthConverter:
    """Two-digit months, as in /2006/12/…"""

    regex = "[0-9]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return f"{int(value):02d}"
