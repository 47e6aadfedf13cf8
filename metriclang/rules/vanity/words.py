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


@lru_cache(maxsize=4096)
def _term_words(term: str) -> tuple[str, ...]:
    """``words(term)``, computed once per term (find_terms runs per measure and place)."""
    return tuple(words(term))


def find_terms(text: str, terms: Iterable[str]) -> list[str]:
    """The terms that occur in ``text``, in the order of ``terms``."""
    have = tuple(words(text))
    found = []
    for term in terms:
        if not term.isascii():
            if term in text:
                found.append(term)
            continue
        want = _term_words(term)
        n = len(want)
        if n and any(have[i:i + n] == want for i in range(len(have) - n + 1)):
            found.append(term)
    return found
