"""Addresses as callers say them, against the seeded places of both districts (seed/places). The phrasings here are
written for these tests, apart from the held-out benchmark file (bench/data/addresses_heldout.csv)."""

from pathlib import Path

import pytest

from app.regions.gazetteer import CONFIDENT, Gazetteer, NamedPlace, Place, chinese_number, normalise, place_tags
from bench.address_accuracy import load_gazetteer

HUAHANG, FUQIANG, LICUN = "440304011002", "440304011006", "440304011004"
ZIJING, DONGHAI = "440304008006", "440304006017"
DAXUECHENG, PINGSHAN, XILI_COMMUNITY = "440305008012", "440305008011", "440305009011"


@pytest.fixture(scope="module")
def g() -> Gazetteer:
    return load_gazetteer(Path("seed"))


@pytest.mark.parametrize(("words", "value"), [
    ("两千零一", 2001), ("六千零一十七", 6017), ("七零零二", 7002), ("十二", 12), ("三百", 300), ("一万零五", 10005),
    ("九", 9),
])
def test_numbers_in_words(words, value):
    assert chinese_number(words) == value


def test_normalising_text():
    assert normalise(" 华强北路 两千零一号 ") == "华强北路2001号"
    assert normalise("ＮＥＯ大厦１０栋") == "NEO大厦10栋"
    assert normalise("一千多号") == "1000多号"
    assert normalise("十二坊") == "十二坊"  # only house numbers (…号) are read as numbers


def test_place_tags_are_read_from_the_note():
    assert place_tags("spans; large estate") == ("spans",)
    assert place_tags("uncertain-community; by-name; the 西丽 in …") == ("uncertain-community", "by-name")
    assert place_tags("by-name: village assumed") == ("by-name",)
    assert place_tags("number range approximate") == ()
    assert place_tags(None) == ()


@pytest.mark.parametrize(("text", "code", "match"), [
    ("华强北路2001号门口有人乱摆卖", HUAHANG, "number"),          # odd side
    ("华强北路1002号那边", FUQIANG, "number"),                     # even side, south
    ("华强北路二零二八号", LICUN, "number"),                       # digit by digit, even side, north
    ("在华强北路那个深纺大厦楼下", HUAHANG, "place"),
    ("南海大道一零五二号", "440305006013", "number"),
])
def test_a_number_or_a_place_names_one_community(g, text, code, match):
    found = g.resolve(text)
    assert (found.region_code, found.ambiguous, found.match) == (code, False, match), found
    assert found.level == "community" and found.confident


def test_a_number_and_a_place_that_agree_are_more_certain(g):
    number = g.resolve("南海大道1052号")
    both = g.resolve("南海大道1052号海翔广场")
    assert both.region_code == number.region_code == "440305006013"
    assert both.confidence > number.confidence and both.match == "agree"


def test_a_number_on_a_boundary_stretch_gives_both_communities_with_reasons(g):
    found = g.resolve("深南大道6010号附近有个井盖坏了")
    assert found.ambiguous and set(found.candidates) == {ZIJING, DONGHAI}
    assert not found.confident and found.confidence < CONFIDENT
    assert all("号段" in why for _, why in found.reasons)


def test_opposite_and_near_widen_to_the_other_side_and_the_next_numbers(g):
    plain = g.resolve("南海大道1052号")
    opposite = g.resolve("南海大道1052号对面")
    assert not plain.ambiguous
    assert opposite.ambiguous and set(opposite.candidates) == {"440305006013", "440305006005"}
    assert any("对面" in why for _, why in opposite.reasons)


def test_about_a_number_means_every_segment_it_may_fall_in(g):
    found = g.resolve("华强北路两千多号")
    assert found.ambiguous and HUAHANG in found.candidates and LICUN in found.candidates


def test_the_university_town_never_resolves_to_xili_community(g):
    for text in ("西丽大学城", "我在大学城这边", "深圳大学城南门"):
        found = g.resolve(text)
        assert found.region_code != XILI_COMMUNITY and not found.confident, (text, found)
        assert found.ambiguous and set(found.candidates) == {DAXUECHENG, PINGSHAN}
        assert found.level == "subdistrict"  # 桃源街道: only it is believed
    # The caller ruling the campus out leaves the area: 西丽街道, not its 西丽社区.
    xili = g.resolve("我说的是西丽，不是大学城")
    assert (xili.region_code, xili.level) == ("440305009000", "subdistrict")


def test_an_area_name_shared_by_a_subdistrict_and_its_community_names_the_subdistrict(g):
    assert g.resolve("西丽这一带").level == "subdistrict"
    assert g.resolve("西丽社区居委会").region_code == XILI_COMMUNITY  # the full name is the community


def test_a_place_spanning_communities_is_narrowed_by_another_place(g):
    area = g.resolve("车公庙那一片")
    assert area.ambiguous and len(area.candidates) == 3
    narrowed = g.resolve("车公庙那边的报业大厦")
    assert set(narrowed.candidates) == {ZIJING, DONGHAI}


def test_a_place_whose_community_is_a_guess_is_answered_at_its_subdistrict(g):
    found = g.resolve("在莲花山公园放风筝")
    assert (found.region_code, found.level, found.match) == ("440304008000", "subdistrict", "uncertain")
    assert not found.confident


def test_a_village_assumed_by_its_name_is_not_confident(g):
    found = g.resolve("水围那条村")
    assert found.region_code == "440304004028" and found.match == "by_name" and not found.confident


def test_a_road_without_a_known_number_offers_its_communities(g):
    found = g.resolve("彩田路上")
    assert found.ambiguous and len(found.candidates) > 1 and found.match == "road_only"


def test_a_verified_place_is_confident_and_an_alias_a_little_less(g):
    exact = g.resolve("平安金融中心")
    alias = g.resolve("平安大厦")
    assert exact.region_code == alias.region_code == "440304004023"
    assert exact.confidence > alias.confidence >= CONFIDENT


def test_a_small_hand_made_gazetteer():
    regions = [Place("1", "市", "city", None), Place("11", "东区", "district", "1"),
               Place("111", "甲街道", "subdistrict", "11"), Place("1111", "一社区", "community", "111"),
               Place("1112", "二社区", "community", "111")]
    named = [NamedPlace("road_segment", "长路1-99号", "1111", road="长路", number_from=1, number_to=99, parity="odd",
                        verified=True),
             NamedPlace("road_segment", "长路2-98号", "1112", road="长路", number_from=2, number_to=98,
                        parity="even"),
             NamedPlace("compound", "花园小区", "1111", aliases=("花园",), verified=True),
             NamedPlace("landmark", "大商场", "1111", tags=("spans",)),
             NamedPlace("landmark", "大商场", "1112", tags=("spans",)),
             NamedPlace("landmark", "孤岛", "9999")]  # a community the gazetteer lacks is ignored
    g = Gazetteer.build(regions, named)
    assert g.resolve("长路15号").region_code == "1111" and g.resolve("长路15号").confidence == 0.9
    assert g.resolve("长路16号").region_code == "1112" and g.resolve("长路16号").confidence == 0.85
    mall = g.resolve("大商场门口")
    assert mall.ambiguous and mall.region_code == "111" and set(mall.candidates) == {"1111", "1112"}
    assert g.resolve("二社区大商场").region_code == "1112"  # the division named settles it
    assert g.resolve("花园3栋").match == "alias"
    assert g.resolve("孤岛").region_code is None
