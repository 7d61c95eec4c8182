"""The full-text index's words (`index_terms`) come from jieba's precise cut, cached for the classifier and the
duplicate scoring of the same request, expanded to jieba's search mode; they must be exactly what jieba's own
search mode (`cut_for_search`) over the whole text gives."""

import itertools
import re
from pathlib import Path

import jieba

from app.core import segment
from app.hotline.classifier import load_examples

SEED = Path("seed")
TERM = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+")


def _reference(text: str) -> str:
    """index_terms as it was computed before the cut was shared: jieba's search mode over the whole text."""
    words = [p for t in jieba.lcut_for_search(text) for p in TERM.findall(t.lower()) if p not in segment.STOPWORDS]
    pairs = [run[i:i + 2] for run in re.findall(r"[\u4e00-\u9fff]+", text) for i in range(len(run) - 1)]
    return " ".join(dict.fromkeys(words + pairs))


def test_index_terms_are_jiebas_search_mode_over_the_whole_text():
    texts = [e.text for e in load_examples(SEED)]
    assert len(texts) > 500
    addresses = ["深圳市福田区华富街道莲花一村12栋 301房", "龙岗区布吉街道  长龙社区 A座", "南山区粤海街道科技园中区"]
    replies = ["已联系城管执法队现场处理，商户已整改。", "经核实，该路段路灯线路老化，已于3月5日更换。"]
    joined = [" ".join(parts) for parts in itertools.product(texts[:40], addresses, replies)]
    odd = ["", " ", "  两个空格  之间 ", "Wi-Fi 信号差，5G 基站\t附近", "中华人民共和国国务院办公厅",
           "乱搭建违章建筑物"]
    for text in texts + joined + odd:
        assert segment.index_terms(text) == _reference(text), text


def test_the_cut_is_shared_between_readers_of_the_same_words():
    text = "小区门口的垃圾好几天没人清运了，臭得要命"
    segment.cut.cache_clear()
    segment.words.cache_clear()
    segment.words(text)
    segment.index_terms(text)
    assert segment.cut.cache_info().hits >= 1 and segment.cut.cache_info().misses == 1
