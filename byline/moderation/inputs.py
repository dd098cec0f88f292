"""What the classifiers read about a submission: the whole of it, not only the body.

Most spam carries its payload outside the text (a name like "Best CBD Gummies UK", a website
field pointing at a shop, a throwaway email domain) and writes "Great post, thanks!" in the
body. So a submission is read as :class:`Inputs` — body, name, website, email domain and the
commenter's record on the site — and :func:`site_features` turns it into named features for
the site model (:mod:`byline.moderation.sitemodel`). The email address itself is never kept:
only its domain reaches a model or a training label.

Every feature name starts with the field it came from (``n:`` name, ``s:`` website, ``e:``
email domain, ``d:`` link domain, ``x:`` link shape, ``h:`` history, ``l:`` letters/script),
so the same word in the name and in the body are different evidence.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from byline.moderation.features import FeatureConfig, extract, normalise, tokenize

#: The text features of the site model: words, bigrams and character 3–5-grams of the body —
#: the shipped spam model's own configuration, so one extraction serves both.
TEXT_CONFIG = FeatureConfig()

# Links written to dodge link counting: "example dot com", "hxxp://", "site[.]com",
# "www . site . com", and bare domains with any common or newer top-level domain.
_OBFUSCATED = re.compile(
    r"\bhxxps?\b|\bh\s*t\s*t\s*p\s*s?\s*:\s*/\s*/"
    r"|\w\s*(?:\[\.\]|\(\.\)|\{\.\}|\(dot\)|\[dot\]|\s+dot\s+)\s*(?:com|net|org|shop|xyz|online|"
    r"site|top|store|info|biz|io|co|ru|in|uk|de|pro|club|live|vip|fun|link|click)\b"
    r"|\bwww\s+\.\s*\w|\w\s+\.\s+(?:com|net|org|shop|xyz|online|site|top|store|info|ru)\b",
    re.IGNORECASE,
)
_BARE_DOMAIN = re.compile(
    r"\b(?:[a-z0-9][a-z0-9-]{1,62}\.)+(?:com|net|org|info|biz|shop|store|online|site|top|xyz|"
    r"club|live|vip|fun|link|click|pro|icu|buzz|today|life|world|space|website|tech|app|io|co|"
    r"me|tv|cc|ws|ru|su|ua|by|kz|cn|in|pk|ng|ph|vn|id|br|tr|pl|de|fr|it|es|nl|uk|au|ca|us|eu)"
    r"(?:\.[a-z]{2})?\b",
    re.IGNORECASE,
)
# Where readers of a commentary site cite their sources: public institutions by their reserved
# suffixes, and a short list of reference works, wire services and papers of record. A link
# there is evidence of a citation, not of spam (the shipped text model, trained on YouTube
# spam, reads every link as suspicious).
_REFERENCE_SUFFIXES = (".gov", ".gov.uk", ".gouv.fr", ".gob.es", ".bund.de", ".europa.eu",
                       ".int", ".edu", ".ac.uk", ".mil", ".gc.ca", ".gov.au", ".govt.nz",
                       ".nhs.uk", ".parliament.uk", ".un.org")  # fmt: skip
_REFERENCE_DOMAINS = frozenset(
    {
        "wikipedia.org",
        "wikimedia.org",
        "archive.org",
        "doi.org",
        "arxiv.org",
        "nature.com",
        "science.org",
        "sciencedirect.com",
        "springer.com",
        "wiley.com",
        "jstor.org",
        "pubmed.ncbi.nlm.nih.gov",
        "nih.gov",
        "thelancet.com",
        "bmj.com",
        "nejm.org",
        "who.int",
        "oecd.org",
        "imf.org",
        "worldbank.org",
        "un.org",
        "reuters.com",
        "apnews.com",
        "afp.com",
        "bbc.co.uk",
        "bbc.com",
        "theguardian.com",
        "nytimes.com",
        "washingtonpost.com",
        "wsj.com",
        "ft.com",
        "economist.com",
        "bloomberg.com",
        "npr.org",
        "pbs.org",
        "lemonde.fr",
        "spiegel.de",
        "zeit.de",
        "elpais.com",
        "corriere.it",
        "nos.nl",
        "aljazeera.com",
        "cbo.gov",
        "bls.gov",
        "census.gov",
        "ons.gov.uk",
        "legislation.gov.uk",
        "courtlistener.com",
        "supremecourt.gov",
        "ipcc.ch",
        "statista.com",
        "ourworldindata.org",
        "pewresearch.org",
        "factcheck.org",
        "politifact.com",
        "fullfact.org",
    }
)


def is_reference(domain: str) -> bool:
    """Whether ``domain`` is a public institution's or a well-known reference source's."""
    return (
        domain in _REFERENCE_DOMAINS
        or domain.endswith(_REFERENCE_SUFFIXES)
        or "." + domain in _REFERENCE_SUFFIXES
    )


_HAS_DIGIT = re.compile(r"\d")
_PHONE = re.compile(r"(?:\+|\b00)\d[\d\s().-]{7,}\d|\b\d{3,5}[\s.-]\d{3,4}[\s.-]\d{3,5}\b")
# Moving the conversation to a messenger: the payload of spam that carries no link.
_MESSENGER = re.compile(
    r"\b(?:whats\s?app|telegram|wechat|viber|kakao|line id|wa\.me|t\.me)\b"
    r"|微信|\bWA\s*[:+0-9]",
    re.IGNORECASE,
)
_FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "gmx.com",
        "web.de",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "qq.com",
        "163.com",
        "126.com",
        "mail.com",
        "zoho.com",
        "fastmail.com",
        "t-online.de",
        "orange.fr",
        "free.fr",
        "wp.pl",
        "o2.pl",
        "libero.it",
        "btinternet.com",
    }
)


@dataclass(frozen=True)
class Record:
    """The commenter's record on the site when the comment was submitted.

    Only a signed-in account or an email address this browser proved counts for the good
    (a typed address proves nothing); a typed address's *bad* record still counts against it
    (typing a spammer's address only hurts whoever types it)."""

    proven: bool = False  # an account, or an email address verified in this browser
    account: bool = False
    approved: int = 0
    removed: int = 0  # removed by a moderator or filed as spam
    days_known: float = 0.0  # since the first comment under this identity

    @classmethod
    def from_json(cls, data: Any) -> Record:
        """A record stored as a dict (on a verdict or a label); unknown keys are ignored."""
        if not isinstance(data, dict):
            return cls()
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Inputs:
    """One submission as the classifiers see it."""

    body: str
    name: str = ""
    website: str = ""
    email_domain: str = ""
    record: Record = field(default_factory=Record)

    def to_json(self) -> dict[str, Any]:
        """What a training label keeps besides the text (never the email address)."""
        return {
            "name": self.name,
            "website": self.website,
            "email_domain": self.email_domain,
            "record": asdict(self.record),
        }

    @classmethod
    def from_json(cls, body: str, data: dict[str, Any] | None) -> Inputs:
        """The inverse of :meth:`to_json`; a label stored before labels kept these reads as
        a body with nothing else."""
        data = data if isinstance(data, dict) else {}
        return cls(
            body=body,
            name=str(data.get("name") or ""),
            website=str(data.get("website") or ""),
            email_domain=str(data.get("email_domain") or ""),
            record=Record.from_json(data.get("record")),
        )


def email_domain(email: str) -> str:
    """The lower-case domain of an address ("" if it has none)."""
    return email.strip().lower().rpartition("@")[2] if "@" in email else ""


def _host(url: str) -> tuple[str, str]:
    """(host without www, path) of a URL typed with or without a scheme."""
    url = url.strip().lower()
    rest = url.split("://", 1)[-1]
    host, _, path = rest.partition("/")
    host = host.split("@")[-1].split(":")[0].split("?")[0]
    if host.startswith("www."):
        host = host[4:]
    return host[:80], path.split("?")[0].split("#")[0][:120]


_SECOND_LEVEL = frozenset(
    {
        "co",
        "com",
        "org",
        "net",
        "ac",
        "gov",
        "edu",
        "nhs",
        "sch",
        "ltd",
        "plc",
        "police",
        "gob",
        "gouv",
        "govt",
    }
)


def _registered(host: str) -> str:
    """The registered part of a host: ``shop.example.co.uk`` → ``example.co.uk``."""
    parts = [p for p in host.split(".") if p]
    if len(parts) >= 3 and len(parts[-1]) == 2 and parts[-2] in _SECOND_LEVEL:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def _words(text: str) -> list[str]:
    tokens, _ = tokenize(text)
    return tokens


def _grams(word: str) -> list[str]:
    """Character 3–5-grams of a word (``<cbd>`` → ``<cb``, ``cbd``, ``bd>``, …): names and
    domains coin words ("gummiesuk", "bestcbd") that share pieces with known ones."""
    padded = f"<{word[:24]}>"
    return [padded[j : j + n] for n in (3, 4, 5) for j in range(len(padded) - n + 1)]


def _bucket(n: float, edges: tuple[float, ...]) -> int:
    return sum(1 for edge in edges if n >= edge)


def _scripts(text: str) -> set[str]:
    """The writing systems of the letters in ``text`` (Latin, Cyrillic, CJK, Arabic …)."""
    found: set[str] = set()
    for ch in text[:2000]:
        if ch.isalpha():
            try:
                found.add(unicodedata.name(ch).split()[0])
            except ValueError:
                continue
    return found


def link_domains(text: str) -> list[str]:
    """Registered domains of the links in ``text``, written plainly or as bare domains."""
    _, meta = tokenize(text)
    domains = [_registered(_host(url)[0]) for url in meta["urls"]]
    domains += [_registered(m.group().lower()) for m in _BARE_DOMAIN.finditer(text[:20_000])]
    return list(dict.fromkeys(d for d in domains if "." in d))[:10]


# Dots written otherwise: one-dot leader, ideographic and full-width stops, "{dot}", a comma
# between two words of a domain ("www,site,online").
_ODD_DOTS = str.maketrans(
    {"\u2024": ".", "\u3002": ".", "\uff0e": ".", "\uff61": ".", "\u00b7": "."}
)
_BRACED_DOT = re.compile(r"[\[({<]\s*(?:dot|\.)\s*[\])}>]", re.IGNORECASE)
_COMMA_DOMAIN = re.compile(r"\bwww\s*,\s*\w|\w,(?:com|net|org|online|shop|xyz|top|site|store)\b")
_SPACED_DOMAIN = re.compile(
    r"(?<!\S)(?:\w\s){3,}\w?\s*\.\s*(?:\w\s){1,3}\w?(?!\S)|(?:\b\w\s){2,}\.\s(?:\w\s?){2,}",
)


def obfuscated_links(text: str) -> int:
    """How many links are written to dodge link counting ("site dot com", "hxxp://",
    "site[.]com", "b i t . l y", full-width or look-alike dots)."""
    raw = text[:20_000]
    text = unicodedata.normalize("NFKC", raw).translate(_ODD_DOTS)
    # A domain that only appears once full-width letters and odd dots are read as plain ones.
    odd = len(_BARE_DOMAIN.findall(text)) > len(_BARE_DOMAIN.findall(raw))
    # "h t t p s : / /" counts, a plain "https://" does not.
    found = sum(
        1 for m in _OBFUSCATED.finditer(text) if not m.group().startswith(("http:", "https:"))
    )
    found += len(_BRACED_DOT.findall(text))
    found += len(_COMMA_DOMAIN.findall(text)) + len(_SPACED_DOMAIN.findall(text))
    return found + int(odd)


@lru_cache(maxsize=64)
def site_features(inputs: Inputs) -> tuple[list[str], list[str], list[float]]:
    """Named features of a whole submission: (names, the words each came from, values).
    Remembered for the last few submissions (both classifiers read the same one); callers
    must not change the lists.

    The body's text features come from :func:`byline.moderation.features.extract`; the rest
    count 1 each, so a name or a website is never drowned out by a long body."""
    names, sources, values = extract(inputs.body, TEXT_CONFIG)
    extra: dict[str, str] = {}

    def add(name: str, source: str) -> None:
        extra.setdefault(name, source)

    # The name: its words, its shape (a person's name is one to three capitalised words).
    name = inputs.name.strip()
    if name:
        words = _words(name)
        for word in words[:8]:
            add("n:w:" + word, f"[name: {word}]")
            for gram in _grams(word):
                add("n:c:" + gram, f"[name: {word}]")
        add(f"n:len{min(len(words), 5)}", "[name length]")
        if _HAS_DIGIT.search(name):
            add("n:digits", "[digits in name]")
        if link_domains(name) or "http" in name.lower():
            add("n:link", "[link in name]")
        if name == name.lower() and any(ch.isalpha() for ch in name):
            add("n:lower", "[lower-case name]")
        # A person's name is one to three capitalised words; "cheap flights deals" or
        # "Emergency Plumber Leeds Near Me" is a keyword phrase.
        raw_words = name.split()
        if len(raw_words) >= 4 or (
            len(raw_words) >= 2 and any(w[:1].islower() for w in raw_words if w.isalpha())
        ):
            add("n:phrase", f"[name: {name[:40]}]")
    else:
        add("n:none", "[no name]")
    # The website field: its domain, top-level domain, the words of both, and a path.
    if inputs.website.strip():
        host, path = _host(inputs.website)
        domain = _registered(host)
        add("s:d:" + domain, f"[website: {domain}]")
        add("s:tld:" + domain.rpartition(".")[2], f"[website: {domain}]")
        for word in re.split(r"[.\-_0-9]+", host)[:8]:
            if len(word) >= 3 and word not in {"www", "com", "net", "org"}:
                add("s:w:" + word, f"[website: {domain}]")
                for gram in _grams(word):
                    add("s:c:" + gram, f"[website: {domain}]")
        for word in re.split(r"[/.\-_0-9]+", path)[:8]:
            if len(word) >= 3:
                add("s:p:" + word, f"[website: {domain}]")
        add("s:path" if path.strip("/") else "s:root", f"[website: {domain}]")
        if host.count("-") >= 2:
            add("s:hyphens", f"[website: {domain}]")
        if len(_words(inputs.body)) <= 25:
            add("s:short_body", f"[website: {domain}]")
        # A keyword-phrase name with a website: the classic link drop ("Plumber Leeds" →
        # leeds-plumbing.co.uk), and a name whose words make up the site's address.
        if "n:phrase" in extra:
            add("s:phrase_name", f"[website: {domain}]")
        name_words = {w for w in _words(inputs.name) if len(w) >= 4}
        if name_words and any(w in host.replace("-", "") for w in name_words):
            add("s:name_in_domain", f"[website: {domain}]")
    else:
        add("s:none", "[no website]")
    # Email: the domain only, and whether it is a free mailbox.
    if inputs.email_domain:
        domain = _registered(inputs.email_domain)
        add("e:" + domain, f"[email domain: {domain}]")
        add("e:tld:" + domain.rpartition(".")[2], f"[email domain: {domain}]")
        add("e:free" if inputs.email_domain in _FREE_MAIL else "e:own", "[email domain]")
    else:
        add("e:none", "[no email]")
    # Links in the body, however written.
    domains = link_domains(inputs.body)
    for domain in domains:
        add("d:" + domain, f"[link: {domain}]")
        add("d:tld:" + domain.rpartition(".")[2], f"[link: {domain}]")
        if is_reference(domain):
            add("d:reference", f"[link: {domain}]")
    add(f"x:links{_bucket(len(domains), (1, 2, 3, 5))}", "[links]")
    if obfuscated_links(inputs.body):
        add("x:obfuscated", "[disguised link]")
    if _PHONE.search(inputs.body):
        add("x:phone", "[phone number]")
    if _MESSENGER.search(inputs.body):
        add("x:messenger", "[messenger contact]")
    # Letters: scripts used, and scripts mixed within one comment.
    scripts = _scripts(inputs.body) - {"LATIN"}
    for script in sorted(scripts)[:3]:
        add("l:" + script.lower(), f"[{script.lower()} letters]")
    if scripts and "LATIN" in _scripts(inputs.body):
        add("l:mixed", "[mixed scripts]")
    # Repetition: the same word over and over (keyword stuffing).
    body_words = _words(inputs.body)
    if len(body_words) >= 8:
        top = Counter(w for w in body_words if len(w) >= 3).most_common(1)
        if top and top[0][1] >= 3 and top[0][1] / len(body_words) > 0.2:
            add("x:repeats", "[repeated words]")
    # The commenter's record on the site.
    record = inputs.record
    add("h:account" if record.account else ("h:proven" if record.proven else "h:unproven"), "[who]")
    if record.proven:
        add(f"h:approved{_bucket(record.approved, (1, 3, 10, 30))}", "[earlier approved comments]")
        add(f"h:known{_bucket(record.days_known, (1, 7, 30, 365))}", "[commenting since]")
    if record.removed:
        add(f"h:removed{_bucket(record.removed, (1, 2, 5))}", "[earlier removed comments]")
    return (
        names + list(extra),
        sources + list(extra.values()),
        values + [1.0] * len(extra),
    )


def normalised_body(text: str) -> str:
    """The body as near-copy detection compares it (folded, one space between words)."""
    return " ".join(normalise(text).split())
