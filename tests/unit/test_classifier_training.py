"""Retraining on a city's history and corrections, pure: the held-out split by text hash across every source, the
latest word on a text winning, the figures a version keeps, and the weights' round trip through storage."""

from pathlib import Path

import pytest

from app.hotline.classifier import Classifier, Example, load_examples, split
from app.hotline.training import Corpus, measure, retrain

SEED = Path("seed")


@pytest.fixture(scope="module")
def small() -> list[Example]:
    train, _ = split(load_examples(SEED))
    return train[:400]


def test_the_latest_word_on_a_text_wins_and_blank_texts_are_dropped():
    corpus = Corpus(seed=[Example("env.noise", "工地半夜打桩")],
                    history=[Example("city.illegal_construction", " 工地半夜打桩 "), Example("env.air", "  ")],
                    corrections=[Example("env.dust", "工地半夜打桩")])
    assert corpus.merged() == [("corrections", Example("env.dust", "工地半夜打桩"))]


def test_a_version_is_measured_on_texts_neither_it_nor_the_model_in_force_trained_on(small):
    history = [Example("market.consumer", f"蜂巢柜第{i}次乱收费") for i in range(40)]
    corpus = Corpus(seed=small, history=history)
    current = Classifier([e for e in small if not e.held_out])
    trained = retrain(corpus, None, current)
    held = [e for e in [*small, *history] if e.held_out]
    assert trained.counts == {"seed": len(small), "history": sum(not e.held_out for e in history),
                              "corrections": 0, "held_out": len(held)}
    assert trained.model.trained_on == len(small) + trained.counts["history"]
    report, base = trained.report, trained.baseline
    assert report["n"] == base["n"] == len(held) and set(report["by_source"]) == {"history"}  # seed is all trained
    assert report["by_source"]["history"]["top1"] == 1.0  # its own word, learnt
    assert base["by_source"]["history"]["top1"] == 0.0  # the model in force never saw it
    assert report["by_category"]["market.consumer"]["n"] == len(held) and "by_category" not in base


def test_measure_counts_a_category_the_model_never_learnt_as_missed(small):
    model = Classifier(small)
    figures = measure(model, [("history", Example("no.such", "路灯不亮"))])
    assert (figures["top1"], figures["top3"], figures["n"]) == (0.0, 0.0, 1)


def test_nothing_to_train_on_is_an_error():
    with pytest.raises(ValueError, match="no training texts"):
        retrain(Corpus(), None, None)


def test_the_stored_weights_answer_as_the_trained_model_does(small):
    model = Classifier(small)
    loaded = Classifier.load(model.dump())
    for e in small[:60]:
        assert loaded.suggest(e.text) == model.suggest(e.text)
    assert loaded.categories == model.categories and loaded.trained_on == model.trained_on
    with pytest.raises(ValueError):
        Classifier.load(b"not an archive")
