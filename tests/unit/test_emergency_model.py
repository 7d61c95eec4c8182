"""The emergency recogniser's learned second opinion (app/hotline/emergency_model.py) and how assess uses it."""

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

from app.hotline.emergency import assess, load_lexicon
from app.hotline.emergency_lexicon import LEXICON_FILE
from app.hotline.emergency_model import EmergencyModel, Utterance, read_utterances

SEED = Path(__file__).resolve().parents[2] / "seed"


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon(SEED)


@pytest.fixture(scope="module")
def utterances() -> list[Utterance]:
    return read_utterances(SEED / "emergency_utterances.csv")


def test_the_model_scores_as_scikit_learn_does(utterances):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    sample = utterances[::7]
    model = EmergencyModel.train(sample, threshold=0.7)
    vectoriser = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    x = vectoriser.fit_transform([u.text for u in sample])
    reference = LogisticRegression(C=10, solver="liblinear", class_weight="balanced").fit(
        x, [u.emergency for u in sample])
    texts = [u.text for u in utterances[1::50]] + ["  两个  空格  ", "ABC 大写", "", "。。。", "完全没见过的字眼𨋢"]
    expected = reference.predict_proba(vectoriser.transform(texts))[:, 1]
    got = np.array([model.probability(t) for t in texts])
    assert np.allclose(got, expected, atol=1e-9)


def test_training_needs_both_kinds_of_call():
    with pytest.raises(ValueError, match="emergencies and ordinary"):
        EmergencyModel.train([Utterance("燃气泄漏了", True, "gas"), Utterance("家里着火了", True, "fire")],
                             threshold=0.7)


def test_a_model_section_without_a_threshold_is_refused(tmp_path):
    data = yaml.safe_load((SEED / LEXICON_FILE).read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    del broken["model"]["threshold"]
    (tmp_path / LEXICON_FILE).write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="threshold"):
        load_lexicon(tmp_path)


def test_the_seed_lexicon_carries_the_model(lexicon, utterances):
    assert lexicon.model is not None
    assert lexicon.model.ordinary > 2000  # the classifier's hotline calls of categories that flag no hazard
    assert lexicon.model.size == len(utterances) + lexicon.model.ordinary
    assert 0 < lexicon.model.threshold < 1


@pytest.mark.parametrize("text", [
    # ordinary complaints in words close to danger's (a river, a smell, dust), none of them in any training file
    "我们小区旁边那条河这几天颜色发黑，还有股臭味，是不是有人偷排污水",
    "工地的泥头车一路掉土，路面全是灰，车一过尘土飞扬，窗户都不敢开",
    "楼下烧烤店的油烟一直往我家窗户里灌，晚上根本开不了窗，找过物业没用",
])
def test_ordinary_hotline_complaints_stay_ordinary(lexicon, text):
    assert not assess(text, None, lexicon).emergency


@pytest.mark.parametrize("text, hazard", [
    # no word of any list: a smell told by what it does to the caller
    ("您好，我刚下班回家，开门那一下那个味道冲得我差点吐了，灯我没敢开，就是厨房那个方向", "gas"),
])
def test_what_the_words_miss_the_model_raises_with_a_handoff(lexicon, text, hazard):
    words_only = assess(text, None, replace_model(lexicon, None))
    assert not words_only.emergency  # the words alone miss it
    a = assess(text, None, lexicon)
    assert a.emergency and a.by_model
    assert a.hazards == (hazard,)
    assert a.handoffs and a.handoffs[0].hazard == hazard and a.services
    assert a.model is not None and a.model >= lexicon.model.threshold
    assert any(line.startswith("model: P(emergency)") and "raised" in line for line in a.why())


@pytest.mark.parametrize("text", [
    "上个月燃气泄漏已经修好了，想问赔偿怎么申请",  # past and a policy question: the cues cancel the words
    "楼下没有人触电，供电局的人已经来看过了，想问下电费怎么算",  # denied
    "万一家里老人走丢了，去哪里登记防走失手环",  # a what-if
])
def test_the_model_never_overrules_a_cue_that_cancelled_the_words(lexicon, text):
    eager = replace_model(lexicon, copy.copy(lexicon.model))
    eager.model.threshold = 0.0  # the model would raise anything
    a = assess(text, None, eager)
    assert any(not h.counts for h in a.hits)
    assert not a.emergency and not a.by_model


def test_a_short_text_is_left_to_the_words(lexicon):
    eager = replace_model(lexicon, copy.copy(lexicon.model))
    eager.model.threshold = 0.0
    assert len("闻到一股焦味") < eager.model.min_chars
    assert not assess("闻到一股焦味", None, eager).emergency
    assert assess("我在家里闻到一股焦味，不知道从哪来的，有点担心", None, eager).by_model


def test_what_the_words_raise_the_model_is_not_asked(lexicon):
    a = assess("我老公喝醉了在打我，我现在躲在厕所里", None, lexicon)
    assert a.emergency and not a.by_model and a.model is None


def test_an_ordinary_call_carries_the_models_figure_but_stays_ordinary(lexicon):
    a = assess("我们小区的路灯坏了好几天了，晚上黑漆漆的，希望尽快来修一下", None, lexicon)
    assert not a.emergency
    assert a.model is not None and a.model < lexicon.model.threshold
    assert any("not enough" in line for line in a.why() if line.startswith("model:"))


def replace_model(lexicon, model):
    """A shallow copy of the lexicon with another model (the lexicon is shared by the module's tests)."""
    other = copy.copy(lexicon)
    other.model = model
    return other

