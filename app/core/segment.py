"""Chinese word segmentation (jieba), shared by the classifier, duplicate scoring and knowledge search."""

import logging
import re
import sys
from functools import lru_cache

# jieba reads its dictionary through pkg_resources when it can import it (deprecated, and about 6 MB in every
# process); told it cannot, it opens the same file beside its module.
_hidden = "pkg_resources" not in sys.modules
if _hidden:
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]
try:
    import jieba
finally:
    if _hidden:
        del sys.modules["pkg_resources"]

jieba.setLogLevel(logging.WARNING)

# Words that carry no meaning for what a caller wants.
STOPWORDS = frozenset("""
的 了 是 我 你 他 她 它 们 我们 你们 他们 在 有 和 就 都 也 还 又 吗 呢 吧 啊 呀 哦 嗯 么 这 那 这个 那个
这里 那里 一个 一下 一些 没有 不 没 很 太 就是 然后 但是 因为 所以 如果 可以 能 会 要 想 请问 你好 您好
谢谢 麻烦 请 帮 帮忙 给 被 把 让 对 到 从 去 来 说 问 看 下 上 里 个 什么 怎么 怎么办 为什么 多少 哪里
哪个 现在 已经 一直 还是 而且 或者 还有 自己 这样
那么 真的 非常 比较 特别 反映 来电 来电人 市民 情况 问题 希望 尽快 处理 解决 一点 这边 那边 今天 昨天 每天 时候
""".split())
_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


def load_dictionary() -> None:
    """jieba's dictionary loaded now (about a second) rather than by the first text cut."""
    jieba.initialize()


@lru_cache(maxsize=4096)
def cut(text: str) -> tuple[str, ...]:
    """jieba's cut (precise mode): a caller's words are cut once for the classifier, the duplicate scoring and the
    full-text index of the same request."""
    return tuple(jieba.lcut(text or ""))


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """Meaningful words of a text: jieba's cut, without punctuation, stopwords or single digits."""
    out = []
    for token in cut(text):
        token = token.strip().lower()
        if not token or token in STOPWORDS or not _WORD.search(token) or token.isdigit():
            continue
        out.append(token)
    return tuple(out)


_TERM = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+")


def _pieces(tokens: list[str]) -> list[str]:
    out = []
    for token in tokens:
        out += [part for part in _TERM.findall(token.lower()) if part not in STOPWORDS]
    return out


def _bigrams(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


def index_terms(text: str) -> str:
    """A text as the full-text index stores it, space-joined: jieba's search-mode words, and every pair of
    adjacent Chinese characters, so that a word jieba cut differently in the text ('路 灯不亮' in 路灯不亮) is still
    found ('路灯'). Lower-case; punctuation and stopwords left out."""
    # jieba cuts a text's runs apart at whitespace, so the parts' cuts (cached) are the whole text's cut
    words = _pieces(_search_mode([token for part in (text or "").split(" ") for token in cut(part)]))
    pairs = [pair for run in _HAN_RUN.findall(text or "") for pair in _bigrams(run)]
    return " ".join(dict.fromkeys(words + pairs))


def _search_mode(tokens: list[str]) -> list[str]:
    """jieba's search mode (`cut_for_search`) from its precise cut: before each long word, the dictionary's words
    of two and of three characters inside it."""
    known = jieba.get_FREQ
    out: list[str] = []
    for word in tokens:
        if len(word) > 2:
            out += [gram for i in range(len(word) - 1) if known(gram := word[i:i + 2])]
        if len(word) > 3:
            out += [gram for i in range(len(word) - 2) if known(gram := word[i:i + 3])]
        out.append(word)
    return out


def query_terms(text: str) -> list[str]:
    """What a search box's words require, every one: a Chinese word by its character pairs, a single character or
    a Latin word or number as it is."""
    out: list[str] = []
    for piece in _pieces(jieba.lcut(text or "")):
        out += _bigrams(piece) if len(piece) > 1 and _HAN_RUN.fullmatch(piece) else [piece]
    return list(dict.fromkeys(out))


_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
