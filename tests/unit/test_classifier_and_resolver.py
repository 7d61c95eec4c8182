"""The classifier on its held-out split, and the address resolver on real address strings of both districts."""

import csv
from pathlib import Path

import pytest
import yaml

from app.hotline.classifier import (
    Accuracy,
    Classifier,
    Knowledge,
    evaluate,
    load_examples,
    load_knowledge,
    split,
)
from app.regions.gazetteer import Gazetteer, Place

SEED = Path("seed")


def test_held_out_split_is_never_trained_on_and_covers_every_category():
    examples = load_examples(SEED)
    train, test = split(examples)
    assert not {e.text for e in train} & {e.text for e in test}
    def counts(rows):
        out = {}
        for e in rows:
            out[e.category] = out.get(e.category, 0) + 1
        return out

    seeded, trained, held = counts(examples), counts(train), counts(test)
    assert len(seeded) == 97 and min(seeded.values()) >= 20  # the issue's minimum per category
    assert set(trained) == set(held) == set(seeded)  # every category is both learnt and tested
    assert min(trained.values()) >= 15


@pytest.fixture(scope="module")
def accuracy() -> Accuracy:
    return evaluate(load_examples(SEED), load_knowledge(SEED))  # trains on the training split only


def test_accuracy_on_the_held_out_split_reaches_the_issue_target(accuracy):
    # 97 categories: chance is 1% top-1 and 3% top-3. Measured 0.864 / 0.965 on 626 held-out utterances
    # (bench/classifier_accuracy.py; 0.800 / 0.928 before the training-only utterances, 0.751 / 0.914 before the
    # lexicon and the category texts). The floor is issue 29's target; a broken segmenter, an unread lexicon or
    # training-only utterances left unread (0.80 / 0.93), or a shuffled label set cannot pass.
    assert accuracy.held_out >= 500
    assert accuracy.top1 >= 0.85
    assert accuracy.top3 >= 0.95


def test_training_only_utterances_are_new_texts_of_taught_categories():
    # seed/classifier/train/ is trained on and never held out: none of it may repeat a seed utterance (a held-out
    # text trained on would flatter the figures above), and each names a category the utterances teach.
    examples = load_examples(SEED)
    knowledge = load_knowledge(SEED)
    texts = [e.text for e in knowledge.utterances]
    assert len(texts) >= 800 and len(set(texts)) == len(texts)
    assert not set(texts) & {e.text for e in examples}
    assert {e.category for e in knowledge.utterances} <= {e.category for e in examples}
    assert all(e.text for e in knowledge.utterances)


def test_training_only_utterances_are_trained_on():
    train, _ = split(load_examples(SEED))
    knowledge = load_knowledge(SEED)
    model = Classifier(train, knowledge)
    without = Classifier(train, Knowledge(knowledge.lexicon, knowledge.texts))
    assert len(model.vocabulary) > len(without.vocabulary)


@pytest.fixture(scope="module")
def model() -> Classifier:
    train, _ = split(load_examples(SEED))
    return Classifier(train, load_knowledge(SEED))


def test_the_fast_path_scores_as_scikit_learn_does(model):
    # suggest() reads the TF-IDF weights and the SVM's coefficients directly; it must rank as the fitted objects do.
    _, test = split(load_examples(SEED))
    for e in test[:150]:
        columns, values = model.vector(e.text)
        reference = model.vectorizer.transform([e.text])
        assert dict(zip(columns.tolist(), values.tolist(), strict=True)) == pytest.approx(
            dict(zip(reference.indices.tolist(), reference.data.tolist(), strict=True)))
        margins = model.model.decision_function(reference)[0]
        assert model.suggest(e.text, top=1)[0].category == model.model.classes_[margins.argmax()]


def test_lexicon_terms_drive_a_choice_and_read_as_the_callers_words(model):
    best = model.suggest("对面工地晚上十二点还在打桩")[0]
    assert best.category == "env.noise"
    assert "打桩" in best.reasons and not any(r.startswith("@") for r in best.reasons)


def test_the_lexicon_names_leaf_categories_only():
    leaves = {c["code"] for g in yaml.safe_load((SEED / "categories.yaml").read_text(encoding="utf-8"))
              for c in g.get("children") or ()}
    knowledge = load_knowledge(SEED)
    taught = {e.category for e in load_examples(SEED)}
    # Every category with utterances has terms, and no term names an unknown one (a category of a kind's own,
    # such as housing.rental_registration, has no utterances and is never suggested).
    assert taught <= set(knowledge.lexicon) <= leaves
    assert all(knowledge.lexicon.values()) and {e.category for e in knowledge.texts} <= leaves


def test_without_the_seed_knowledge_the_classifier_still_trains_on_utterances_alone():
    train, _ = split(load_examples(SEED))
    found = Classifier(train[:400]).suggest("老板拖欠了我三个月工资")
    assert found and all(s.reasons for s in found)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    with (SEED / "regions.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return Gazetteer.build([Place(r["code"], r["name"], r["level"], r["parent_code"] or None,
                                  tuple(a for a in r["aliases"].split(";") if a)) for r in rows])


@pytest.mark.parametrize(("address", "code", "level"), [
    ("福田区园岭街道红荔社区红荔路1001号", "440304002016", "community"),
    ("南山区粤海街道科技园社区科苑路15号", "440305007003", "community"),
    ("蛇口街道湾厦社区", "440305005002", "community"),
    ("粤海街道高新区社区", "440305007023", "community"),
    ("新南园社区", "440304001020", "community"),  # an old name
    ("福田区新华社区", "440304005038", "community"),
    ("南山区新华社区", "440305003032", "community"),
    ("福田区园岭街道红荔路", "440304002000", "subdistrict"),  # 红荔路 is a road, not 红荔社区
    ("华强北街道华强北路", "440304011000", "subdistrict"),
    ("深圳市南山区", "440305000000", "district"),
])
def test_addresses_of_both_districts(gazetteer, address, code, level):
    found = gazetteer.resolve(address)
    assert (found.region_code, found.level, found.ambiguous) == (code, level, False)
    assert found.matched and 0 < found.confidence <= 1


def test_ambiguity_answers_candidates_never_a_guess(gazetteer):
    found = gazetteer.resolve("新华社区")
    assert found.ambiguous and set(found.candidates) == {"440304005038", "440305003032"}
    assert found.region_code == "440300000000"  # their common region: the city
    typo = gazetteer.resolve("园领街道")  # one character off two real names
    assert typo.ambiguous and "440304002000" in typo.candidates


def test_nothing_known_resolves_to_nothing(gazetteer):
    found = gazetteer.resolve("火星基地一号")
    assert (found.region_code, found.candidates, found.confidence) == (None, (), 0.0)
