"""The vanity vocabulary and how text is matched against it (used by V402).

Latin text is split into lower-case words at every character that is not a letter or digit,
at underscores and at camelCase humps (``appInstall`` -> ``app install``); a word ending in
``s`` (longer than three letters) also matches without it. An English term matches when its
words appear consecutively (``page view`` matches ``page_views`` and ``Page views``;
``install`` does not match ``installment``). A term with non-Latin characters (Chinese)
matches as a substring.

>>> find_terms("count of app_install events", ENGLISH)
['install']
>>> find_terms("Likelihood to reorder", ENGLISH), find_terms("日浏览量", CHINESE)
([], ['浏览量'])
>>> find_terms("", ("++", "page views")), find_terms("Page Views per day", ("page views",))
([], ['page views'])
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

#: English vanity terms; each is a sequence of words.
ENGLISH = (
    "signup", "sign up", "registration", "register", "registered", "download", "downloaded",
    "install", "installed", "installation", "pageview", "page view", "pv", "uv",
    "unique visitor", "visit", "visitor", "follower", "like", "impression", "fan",
)
#: Chinese vanity terms, matched as substrings.
CHINESE = (
    "注册", "下载", "安装", "浏览量", "浏览次数", "页面浏览", "访问", "访客", "粉丝", "关注者",
    "点赞", "曝光",
)

_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^0-9A-Za-z]+")


def words(text: str) -> list[str]:
    """Lower-case words of the Latin part of ``text``, plural ``s`` removed."""
    out = []
    for w in _SPLIT.split(_HUMP.sub(" ", text)):
        w = w.lower()
        if w:
            out.append(w[:-1] if len(w) > 3 and w.endswith("s") else w)
    return out


@lru_cache(maxsize=64)
def _needles(terms: tuple[str, ...]) -> tuple[tuple[str, str, bool], ...]:
    """(term, what to look for, whether it is a substring term), computed once per list.

    A Latin term becomes its words joined and framed by spaces, so that a plain substring
    test on the text's framed words matches whole words only.
    """
    out = []
    for term in terms:
        if not term.isascii():
            out.append((term, term, True))
        elif words(term):
            out.append((term, f" {' '.join(words(term))} ", False))
    return tuple(out)


def find_terms(text: str, terms: Iterable[str]) -> list[str]:
    """The terms that occur in ``text``, in the order of ``terms``."""
    framed = f" {' '.join(words(text))} "
    return [term for term, needle, raw in _needles(tuple(terms))
            if needle in (text if raw else framed)]
