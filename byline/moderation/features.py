"""Text normalisation and feature extraction for the moderation classifiers.

Pure Python, no state: a comment becomes a list of named features (word unigrams, word bigrams,
character n-grams of each word, and a few "meta" signals such as a link), each tagged with the
word it came from so a score can be explained in the reader's own words.

Normalisation is built to survive the usual obfuscations:

* HTML entities (``&amp;``), zero-width characters and byte-order marks are removed;
* compatibility forms and diacritics fold to plain letters (``ｆｕｌｌ`` → ``full``,
  ``idiót`` → ``idiot``), and a small table folds Cyrillic/Greek look-alikes (``іdіоt``);
* leetspeak inside a word is undone (``1d10t`` → ``idiot``, ``$cum`` → ``scum``,
  ``b*tch`` → ``btch``);
* letter runs are squeezed (``stuuuupid`` gives both ``stuupid`` and ``stupid``);
* spaced-out letters are joined (``i d i o t`` / ``i.d.i.o.t`` → ``idiot``);
* character n-grams (3–5) of every word let an unseen compound (``foovermin``) share evidence
  with the pieces it is made of.
"""

from __future__ import annotations

import html
import re
import unicodedata
import zlib
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import Any

#: Only this many characters of a comment are read; the rest cannot change a score.
MAX_CHARS = 20_000
#: Longer "words" (hashes, base64, keyboard mashing) are cut to this length first.
MAX_WORD = 32

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"), None)
# Cyrillic and Greek letters that look like Latin ones (lower case; text is case-folded first).
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "с": "c", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i",
        "ј": "j", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "ѕ": "s", "т": "t",
        "у": "y", "х": "x", "ԁ": "d", "ɡ": "g", "α": "a", "β": "b", "ε": "e", "ι": "i",
        "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    }
)  # fmt: skip
# Digits and symbols read as letters when they sit inside a word that has letters too.
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
     "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e", "£": "l"}
)  # fmt: skip
_LEET_CHARS = frozenset("01345789@$!|+€£")

_TLDS = "com|net|org|info|biz|ly|co|io|me|tk|tv|us|uk|ru|de|gl|gd|cc|xyz|online|site|shop|club"
_URL = rf"(?:https?://|www\.)\S+|\b[a-z0-9][a-z0-9-]*\.(?:{_TLDS})\b(?:/\S*)?"
_TOKEN = re.compile(
    rf"(?P<url>{_URL})"
    r"|(?P<email>[\w.+-]+@[\w-]+\.[\w.-]+)"
    r"|(?P<mention>(?<![\w@])@\w{2,})"
    r"|(?P<word>[\w@$!|+*€£'’]+)",
)
# Stripped from the ends of a word before leet folding ("great!" is not "greati"); a leading
# "$" or "@" stays ("$hit").
_LEAD, _TRAIL = "!|+*'’", "@$!|+*'’"
_RUN3 = re.compile(r"(.)\1{2,}")
_RUN2 = re.compile(r"(.)\1+")
_DIGITS = re.compile(r"\d")
_MONEY = re.compile(r"[$£€]\s?\d|\d\s?(?:usd|dollars|euros?|bucks)\b")
_HYPHENED = re.compile(r"[^\W\d_]{2,}(?:-[^\W\d_]{2,})+")
_DROP = frozenset({"rt", "amp"})  # retweet marker and a stray entity name


@dataclass(frozen=True)
class FeatureConfig:
    """Which features a model uses. Stored with the model, so it travels with the weights."""

    words: bool = True
    bigrams: bool = True
    char_min: int = 3
    char_max: int = 5  # 0 turns character n-grams off
    urls: bool = True  # link / e-mail / mention / money / phone-number signals
    shape: bool = True  # SHOUTING, "!!!", length bucket
    norm: str = "sqrt"  # feature value = 1/sqrt(#features) ("sqrt") or 1 ("binary")
    #: Also read hyphenated words as one fused word ("rat-faced" → ``ratfaced``, with its
    #: character n-grams), so "<stem>-<insult>" and "<stem><insult>" share evidence.
    compounds: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.compounds:  # older files lack it; leave them (and their hashes) unchanged
            del data["compounds"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def normalise(text: str) -> str:
    """Fold ``text`` to the lower-case, accent-free, look-alike-free form tokens are read from."""
    text = text[:MAX_CHARS]
    if "&" in text:
        text = html.unescape(text)
    text = text.translate(_INVISIBLE)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold().translate(_CONFUSABLES)


def _fold_word(raw: str) -> list[str]:
    """One raw word → zero or more clean tokens (leet undone, runs squeezed to at most two)."""
    raw = raw.lstrip(_LEAD).rstrip(_TRAIL).replace("'", "").replace("’", "")
    if not raw:
        return []
    out = []
    for piece in raw.split("_"):
        if not piece:
            continue
        has_alpha = any(ch.isalpha() for ch in piece)
        if has_alpha and any(ch in _LEET_CHARS for ch in piece):
            piece = piece.translate(_LEET)
        piece = piece.replace("*", "")
        if not has_alpha:
            if piece.isdigit():
                out.append("0" * min(len(piece), 6))  # numbers matter by length only
            continue
        piece = _RUN3.sub(r"\1\1", piece)[:MAX_WORD]
        if piece and piece not in _DROP:
            out.append(piece)
    return out


def _join_spaced(tokens: list[str]) -> list[str]:
    """Join runs of three or more one-letter tokens: ``f u c k`` → ``fuck``."""
    out: list[str] = []
    run: list[str] = []
    for tok in [*tokens, ""]:
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if len(run) >= 3:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if tok:
            out.append(tok)
    return out


def tokenize(text: str) -> tuple[list[str], dict[str, Any]]:
    """Return the clean word tokens of ``text`` and counts of the meta signals found in it."""
    letters = [ch for ch in text[:MAX_CHARS] if ch.isalpha()]
    upper = sum(1 for ch in letters if ch.isupper())
    norm = normalise(text)
    meta: dict[str, Any] = {"url": 0, "email": 0, "mention": 0, "urls": []}
    tokens: list[str] = []
    for m in _TOKEN.finditer(norm):
        kind = m.lastgroup
        if kind == "word":
            tokens.extend(_fold_word(m.group()))
        elif kind is not None:
            meta[kind] += 1
            if kind == "url":
                meta["urls"].append(m.group())
    tokens = _join_spaced(tokens)
    meta["hyphened"] = [m.group().replace("-", "") for m in _HYPHENED.finditer(norm)]
    meta["caps"] = int(len(letters) >= 8 and upper / len(letters) > 0.6)
    meta["bang"] = int("!!!" in norm)
    meta["money"] = int(bool(_MONEY.search(norm)))
    meta["phone"] = int(len(_DIGITS.findall(norm)) >= 9)
    return tokens, meta


def _domain(url: str) -> str:
    host = url.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].split("@")[-1]
    labels = [p for p in host.split(".") if p and p != "www"]
    return ".".join(labels[-2:])[:40]


@lru_cache(maxsize=32)
def extract(text: str, config: FeatureConfig) -> tuple[list[str], list[str], list[float]]:
    """Features of ``text``: (feature names, the word each came from, the value of each).

    Every feature is binary (present or not). Text features (``w:`` words, ``b:`` bigrams,
    ``c:`` character n-grams) share the value ``1/sqrt(count)`` so long comments do not win by
    sheer length; the few meta signals (``m:``, ``d:`` link domains) count 1 each, so one link
    is not drowned out by a paragraph.

    Remembered for the last few texts (the spam model and a site's layer read the same body
    with the same configuration); callers must not change the lists.
    """
    tokens, meta = tokenize(text)
    seen: dict[str, str] = {}

    def add(name: str, source: str) -> None:
        if name not in seen:
            seen[name] = source

    cmin, cmax = config.char_min, config.char_max
    fused = meta["hyphened"][:50] if config.compounds else []
    for i, tok in enumerate([*tokens, *fused]):
        variants = [tok]
        squeezed = _RUN2.sub(r"\1", tok)
        if squeezed != tok and len(squeezed) >= 2:
            variants.append(squeezed)
        for var in variants:
            if config.words:
                add("w:" + var, tok)
            if cmax and len(var) >= 2 and not var[0].isdigit():
                padded = f"<{var}>"
                n_max = min(cmax, len(padded))
                for n in range(cmin, n_max + 1):
                    for j in range(len(padded) - n + 1):
                        add("c:" + padded[j : j + n], tok)
        if config.bigrams and 0 < i < len(tokens):
            pair = f"{tokens[i - 1]} {tok}"
            add("b:" + pair, pair)
    n_text = len(seen)
    if config.urls:
        for key in ("url", "email", "mention", "money", "phone"):
            if meta[key]:
                add(f"m:{key}", f"[{key}]")
        if meta["url"] >= 2:
            add("m:url2", "[url]")
        for url in meta["urls"][:5]:
            domain = _domain(url)
            if domain:
                add("d:" + domain, f"[link: {domain}]")
    if config.shape:
        if meta["caps"]:
            add("m:caps", "[CAPITALS]")
        if meta["bang"]:
            add("m:bang", "[!!!]")
        add(f"m:len{min(len(tokens).bit_length(), 9)}", "[length]")
    names = list(seen)
    value = 1.0 / max(1.0, n_text) ** 0.5 if config.norm == "sqrt" else 1.0
    values = [value] * n_text + [1.0] * (len(names) - n_text)
    return names, [seen[n] for n in names], values


@lru_cache(maxsize=1 << 17)
def feature_hash(name: str) -> int:
    """Stable 32-bit id of a feature name (CRC-32: the same in every process and on every OS)."""
    return zlib.crc32(name.encode("utf-8"))
