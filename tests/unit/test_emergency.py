"""The emergency recogniser (issue 23 item 2): words, cues, dialect, categories, hand-offs, and a floor on the
fixed labelled set. Timing is not asserted here; bench/emergency_accuracy.py measures it."""

import copy
import csv
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.hotline.emergency import Lexicon, assess, load_lexicon

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seed"
EVAL = ROOT / "bench/data/emergency_eval.csv"

# The issue asks recall >= 0.95 on the labelled set. The floors below are what the recogniser holds today (see the
# report and bench/emergency_accuracy.py); they stop a regression. The issue's own figure is asserted separately
# and marked as not yet met.
RECALL_REQUIRED = 0.95
RECALL_FLOOR = 0.97  # measured 0.986 (137/139): the lexicon and the learned second opinion
PRECISION_FLOOR = 0.90  # measured 0.932 (137/147)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon(SEED)


def hazards(text: str, lexicon: Lexicon, category: str | None = None) -> tuple[str, ...]:
    return assess(text, category, lexicon).hazards


# --- the issue's examples ----------------------------------------------------------------------------------------

def test_violence_in_progress_is_an_emergency_with_the_police_hand_off(lexicon):
    a = assess("我老公喝醉了在打我，我现在躲在厕所里", "security.domestic_violence", lexicon)
    assert a.emergency and a.hazards == ("violence",)
    assert [s.number for s in a.services] == ["110"]
    handoff = a.handoffs[0]
    assert "110" in handoff.script_zh and "110" in handoff.script_en
    assert "在打我" in a.matched
    assert any("在打我" in line and "counts" in line for line in a.why())


def test_a_gas_leak_hands_off_to_the_gas_company_then_119(lexicon):
    a = assess("厨房燃气泄漏了，满屋都是煤气味", "utility.gas", lexicon)
    assert a.emergency and a.hazards == ("gas",)
    gas, fire = a.services
    assert gas.code == "gas" and gas.number == lexicon.services["gas"].number
    assert not gas.verified and "[unverified]" in gas.source  # the city number is marked until someone checks it
    assert fire.number == "119"
    assert gas.number in a.handoffs[0].script_zh and "119" in a.handoffs[0].script_zh


def test_a_past_leak_asked_about_compensation_is_not_an_emergency(lexicon):
    a = assess("上个月燃气泄漏已经修好了，想问赔偿怎么申请", "utility.gas", lexicon)
    assert not a.emergency and a.handoffs == ()
    leak = next(h for h in a.hits if h.text == "燃气泄漏")
    assert leak.status in ("past", "resolved") and leak.cue in ("上个月", "已经修好")


@pytest.mark.parametrize("text, hazard", [
    ("对门那家一股很重的煤气味，敲门也没人应", "gas"),
    ("楼下厂房起大火了，黑烟都飘到我家里了", "fire"),
    ("我爸突然倒在地上，叫他没反应", "medical"),
    ("我女儿在商场走丢了，才四岁", "missing"),
    ("大风把电线吹断了，掉在地上还在冒火花", "electric"),
    ("对面那栋楼的外墙裂开了个大口子，感觉要塌了", "collapse"),
    ("电梯卡在两层中间，我们三个人被困在里面", "trapped"),
    ("车开进涵洞熄火了，水已经漫到车窗，门推不开", "trapped"),
])
def test_each_hazard_is_recognised(lexicon, text, hazard):
    assert hazard in hazards(text, lexicon)


@pytest.mark.parametrize("text, hazard", [
    ("厨房里一股臭鸡蛋味，我头好晕", "gas"),
    ("走廊尽头那间房的门缝底下红光一闪一闪的", "fire"),
    ("我老公吃着饭突然趴桌上了，喊他也不答应", "medical"),
    ("有个人站在大桥栏杆外面，一直不下来", "violence"),
    ("车停在桥底，水漫到车窗了，我还在车里", "trapped"),
    ("我奶奶叫不醒，嘴唇都紫了", "medical"),
])
def test_indirect_descriptions_are_recognised(lexicon, text, hazard):
    assert hazard in hazards(text, lexicon)


@pytest.mark.parametrize("text, hazard", [
    ("成条巷都系煤气味，唔知边度漏", "gas"),
    ("我阿爷瞓咗喺度，点推都推唔醒", "medical"),
    ("我喺部𨋢入面，卡咗喺两层中间", "trapped"),
    ("后山啲泥一路冧落嚟，推到屋后面幅墙度", "collapse"),
    ("我细佬话唔想活，企咗喺天台边度", "violence"),
    ("个细路喺公园唔见咗，揾咗成个钟", "missing"),
    ("条电线跌咗落嚟，仲嗞嗞声", "electric"),
    ("阿婆喺街市晕低咗", "medical"),
    ("我阿妈晕左系度，叫极都唔醒", "medical"),  # 左 for 咗, 系 for 喺: Cantonese typed with a Mandarin input method
    ("后山啲泥跌左落黎", "collapse"),
    ("电题困主了，里面有个老人", "trapped"),  # input-method slips for 电梯困住
])
def test_cantonese_is_recognised(lexicon, text, hazard):
    assert hazard in hazards(text, lexicon)


# --- negation, past, hypothetical, policy, other senses: ordinary orders ---------------------------------------

@pytest.mark.parametrize("text", [
    "没有漏气，就是燃气灶打不着火，想找人来修一下",
    "我不是说电梯关人了，我是说电梯里的空调坏了",
    "没人触电，就是小区里那个电箱门一直开着",
    "冇事冇事，啲水未入屋，就系想问下沙包喺边度攞",
    "我以为孩子走丢了，原来在同学家",
])
def test_negated_triggers_do_not_count(lexicon, text):
    assert not assess(text, None, lexicon).emergency


@pytest.mark.parametrize("text", [
    "前几天楼下配电箱起火，已经修好了，物业收维修费合理吗",
    "旧年我屋企老人走失过，后来派出所揾返",
    "我老公以前打过我，现在改了",
    "去年那场暴雨我们被困在车里，后来消防救出来的",
    "孩子走丢那次多亏了民警，想送面锦旗",
    "昨晚隔壁厂房起火，现在火已经灭了，但烟味还很重",
])
def test_past_and_resolved_events_are_not_emergencies(lexicon, text):
    assert not assess(text, None, lexicon).emergency


@pytest.mark.parametrize("text", [
    "万一孩子被人贩子拐走怎么办",
    "如果电梯里突然停电了，里面的人会不会闷死",
    "担心我们楼的燃气管道太老了，哪天漏了都不知道",
    "燃气泄漏的话应该打什么电话",
    "老人走失了以后，应该怎么找比较快",
])
def test_hypotheticals_are_not_emergencies(lexicon, text):
    assert not assess(text, None, lexicon).emergency


@pytest.mark.parametrize("text", [
    "电梯困人了，被困的人可以向谁索赔，法律上怎么规定的",
    "请问家暴告诫书是派出所开还是法院开",
    "燃气泄漏的责任是算用户的还是燃气公司的",
])
def test_policy_questions_are_not_emergencies(lexicon, text):
    assert not assess(text, None, lexicon).emergency


@pytest.mark.parametrize("text", [
    "这个月燃气费怎么是上个月的两倍",
    "我想投诉一家火锅店，吃完全家拉肚子",
    "我被这个中介坑惨了，整个人都快崩溃了",
    "那个救命的药医保目录里没有，太贵了",
    "隔壁小孩天天练架子鼓，吵得我头都要炸了",
    "我家狗跑丢了，有人说在公园看到过",
    "火警电话打不通怎么办",
])
def test_words_in_another_sense_are_not_emergencies(lexicon, text):
    assert not assess(text, None, lexicon).emergency


# --- cues act only on their own clause ---------------------------------------------------------------------------

def test_a_present_clause_after_a_calm_one_is_an_emergency(lexicon):
    assert hazards("刚才还好好的，现在厨房着火了", lexicon) == ("fire",)


def test_a_negation_does_not_reach_the_next_clause(lexicon):
    assert "fire" in hazards("没有人受伤，但是厨房着火了", lexicon)


def test_a_past_marker_does_not_reach_the_next_clause(lexicon):
    a = assess("上个月漏过一次气，现在又闻到很重的煤气味", None, lexicon)
    assert a.hazards == ("gas",)
    assert {h.status for h in a.hits if h.text == "漏气"} <= {"past"}


def test_a_policy_question_gives_way_to_an_urgent_cue(lexicon):
    assert assess("救命，电梯困人了，物业电话是多少", None, lexicon).emergency


def test_missing_since_last_night_is_still_missing(lexicon):
    # 昨晚 says when it began; for a missing person that is not over
    assert "missing" in hazards("我女儿昨晚离家出走，电话一直打不通", lexicon)
    assert not assess("我老公昨晚打了我，想问怎么申请保护令", None, lexicon).emergency


# --- the category ------------------------------------------------------------------------------------------------

def test_the_category_makes_an_ambiguous_word_count(lexicon):
    text = "厨房有股怪味"
    assert not assess(text, None, lexicon).emergency
    a = assess(text, "utility.gas", lexicon)
    assert a.hazards == ("gas",) and a.flagged == ("gas",)


def test_a_category_alone_is_not_an_emergency(lexicon):
    assert not assess("想问燃气开户怎么申请", "utility.gas", lexicon).emergency
    assert not assess("请问告诫书怎么申请", "security.domestic_violence", lexicon).emergency


def test_a_category_does_not_make_a_past_event_an_emergency(lexicon):
    assert not assess("上个月燃气泄漏，修好了", "utility.gas", lexicon).emergency
    assert not assess("以前电梯困过人，想问年检", "housing.elevator", lexicon).emergency


def test_a_group_code_flags_its_children(lexicon):
    assert lexicon.flagged_by("housing.elevator") == ("trapped",)
    assert lexicon.flagged_by("env.noise") == ()
    assert lexicon.flagged_by(None) == ()


# --- the answer ---------------------------------------------------------------------------------------------------

def test_empty_text_is_not_an_emergency(lexicon):
    for text in ("", "   ", "，。"):
        a = assess(text, "utility.gas", lexicon)
        assert not a.emergency and a.hits == () and a.handoffs == ()


def test_two_hazards_give_two_hand_offs_and_each_service_once(lexicon):
    a = assess("电动车在楼道里烧起来了，我们被困在楼上下不来", None, lexicon)
    assert set(a.hazards) >= {"fire", "trapped"}
    assert len(a.handoffs) == len(a.hazards)
    codes = [s.code for s in a.services]
    assert len(codes) == len(set(codes)) and "fire" in codes


def test_every_hazard_has_a_script_in_both_languages_with_its_numbers(lexicon):
    for hz in lexicon.hazards:
        assert hz.script_zh and hz.script_en and "{" not in hz.script_zh + hz.script_en
        assert hz.services[0].number in hz.script_zh


def test_the_reasons_name_the_cancelling_cue(lexicon):
    a = assess("没有漏气，就是燃气灶打不着火", None, lexicon)
    assert any("漏气" in line and "negation" in line and "没有" in line for line in a.why())


# --- how callers really speak: words inside set phrases, guesses, background before the event ------------------

@pytest.mark.parametrize("text, hazard, word", [
    ("我摸了一下热水器，手一下子就麻了", "electric", "手一下子就麻"),  # 手麻 with 一下子就 inside
    ("我妈说胸口像压着块石头，出了一身冷汗", "medical", "出了一身冷汗"),  # 出冷汗
    ("他在沙发上晕了过去", "medical", "晕了过去"),  # 晕过去
])
def test_a_trigger_word_is_found_with_fillers_inside_it(lexicon, text, hazard, word):
    a = assess(text, None, lexicon)
    assert a.emergency and hazard in a.hazards
    assert word in a.matched


@pytest.mark.parametrize("text", [
    "我手机都麻烦死了，老是卡",  # 麻 after a filler, but no trigger word across it
    "他晕车了，吐了一身，想问长途车能不能退票",
])
def test_fillers_do_not_make_ordinary_words_triggers(lexicon, text):
    assert not assess(text, None, lexicon).emergency


def test_a_scoped_other_sense_hides_a_word_only_from_its_hazard(lexicon):
    # 按了…没反应 is a button, not an unconscious person (medical), but in a lift it says nobody answers the alarm
    a = assess("电梯停了，按了警铃没反应", None, lexicon)
    assert a.hazards == ("trapped",)
    assert not assess("电梯按钮按了没反应，要等很久", None, lexicon).emergency
    # 看不见 is no fire's smoke and no missing person (看不见了 holds 不见了), but sudden blindness is a stroke sign
    a = assess("我妈突然说看不见了，头很痛", None, lexicon)
    assert a.hazards == ("medical",)
    assert not assess("路灯坏了，晚上看不见路", None, lexicon).emergency


def test_a_missing_persons_phone_that_rings_out_counts_but_a_hotline_that_does_not_answer_does_not(lexicon):
    assert "missing" in hazards("孩子放学没到家，电话一直没人接", lexicon)
    assert not assess("打12345热线一直打不通", None, lexicon).emergency


@pytest.mark.parametrize("text, hazard", [
    ("家里闻到一股味，会不会是煤气漏了", "gas"),
    ("会不会是电梯坏了，我们在里面出不去", "trapped"),
    ("我爸突然说不出话，会唔会系中风", "medical"),
])
def test_a_guess_at_the_cause_is_neither_a_negation_nor_a_what_if(lexicon, text, hazard):
    assert hazard in hazards(text, lexicon)


def test_will_it_happen_is_still_a_what_if(lexicon):
    assert not assess("电工说我家插座接线不规范，会不会漏电，想找人来检查一下", None, lexicon).emergency
    assert not assess("我手机充电器有点发烫，会不会爆炸", None, lexicon).emergency


def test_a_revealed_cause_closes_what_was_feared_and_keeps_what_it_names(lexicon):
    a = assess("刚才砰的一声，原来是煤气管爆了，现在满屋子味道", None, lexicon)
    assert "gas" in a.hazards and "violence" not in a.hazards
    assert "fire" in hazards("我以为是谁家在做饭，原来是对面楼着火了", lexicon)
    assert not assess("听到楼上在喊救命，原来是在打游戏", None, lexicon).emergency
    assert not assess("我闻到烧焦的味道，原来是邻居在烤红薯", None, lexicon).emergency


@pytest.mark.parametrize("text, hazard", [
    ("我老公经常喝酒，拿着菜刀追着我砍", "violence"),
    ("楼上天天吵架，那个男的在打老婆", "violence"),
    ("这个电梯经常坏，我们被困在里面了", "trapped"),
    ("我妈有时候会头晕，她晕倒在地上了", "medical"),
])
def test_a_habit_told_first_does_not_undo_the_happening_told_next(lexicon, text, hazard):
    assert hazard in hazards(text, lexicon)


@pytest.mark.parametrize("text", [
    "楼下快递站门口天天堵得水泄不通，人都被困在里面出不来",
    "隔壁家天天烧香拜佛，烟很大，呛人",
    "电梯经常关人，上个月我就被困过一次，物业也不管",
])
def test_a_habit_still_reaches_a_clause_that_goes_on_describing_it(lexicon, text):
    assert not assess(text, None, lexicon).emergency


def test_a_consultation_opener_gives_way_to_what_is_happening_now(lexicon):
    assert "trapped" in hazards("你好请问一下，电梯停了我们被关在里面了", lexicon)
    assert "missing" in hazards("我想咨询一下，我家老人走丢了怎么办", lexicon)
    assert not assess("请问一下，被电梯困住了应该怎么自救，我想教给我家小孩", None, lexicon).emergency
    assert not assess("想咨询一下，小孩触电了应该怎么急救", None, lexicon).emergency


@pytest.mark.parametrize("text, hazard", [
    ("电梯到了十二楼一直没开门，里面有个阿姨在按铃", "trapped"),
    ("有个小孩在井边玩，掉下去了，听到在下面哭", "trapped"),
    ("老人家一个人在二楼，楼梯口都是水，下不来", "trapped"),
    ("𨋢门开咗一半就唔郁，我哋几个喺入面出唔到", "trapped"),
    ("佢摸咗下雪柜门就成个人弹开，而家手好痹", "electric"),
    ("楼下那根电线被风刮下来了，搭在铁栏杆上，滋滋响", "electric"),
    ("有个男的一直跟着一个女学生，现在把她堵在巷子里", "violence"),
    ("我儿子被电打了一下", "electric"),
    ("楼下有人被电线缠住了", "electric"),
    ("隔壁一直传出女人的惨叫声", "violence"),
    ("楼下有个醉汉在追着人打", "violence"),
    ("邻居的小孩从中午出门到现在天都黑了，附近都找过了", "missing"),
])
def test_third_party_and_indirect_reports_of_trapped_people_and_live_wires(lexicon, text, hazard):
    assert hazard in hazards(text, lexicon)


@pytest.mark.parametrize("text", [
    "我家猫卡在空调外机后面出不来了，能不能找人帮忙",
    "我老公被公司的事情困住了，天天加班不回家",
    "车库的卷闸门坏了，车开不出来，物业说明天修",
    "小区门口那个配电箱门没关，锁也坏了，怕小孩去玩",
    "楼下电线杆上挂着一个风筝，想请人取下来",
    "冬天摸门把手老是被静电电到，有没有什么办法",
    "风筝被电线缠住了",
])
def test_the_same_words_in_ordinary_calls_stay_ordinary(lexicon, text):
    assert not assess(text, None, lexicon).emergency


@pytest.mark.parametrize("text, hazard", [
    ("还没来得及跑房子就塌了", "collapse"),
    ("没看到人但是楼上一直在冒烟", "fire"),
    ("没穿衣服就跑出来了楼里着火了", "fire"),
])
def test_a_negation_stops_at_a_turn_in_a_run_on_clause(lexicon, text, hazard):
    assert hazard in hazards(text, lexicon)


@pytest.mark.parametrize("text", [
    "没有漏气就是燃气灶打不着火",
    "我不是说电梯关人了我是说电梯里的空调坏了",
])
def test_a_negation_still_covers_its_own_predicate_in_a_run_on_clause(lexicon, text):
    assert not assess(text, None, lexicon).emergency


def test_linked_hazards_corroborate_each_other(lexicon):
    # one weak electric sign (the box) and one weak fire sign (smoke), apart: together enough for both
    a = assess("老旧的配电箱在漏水，里面啪啪响，还有烟", None, lexicon)
    assert "electric" in a.hazards
    assert any(hz == "electric" and score >= 1 for hz, score in a.scores)
    # the same word read by two linked hazards is one sign, not two
    assert not assess("闻到一股焦味", None, lexicon).emergency
    # a touch of a live thing and a body that will not stop shaking
    assert "electric" in hazards("工地上一个工人手碰到电焊机的线，整个人抖个不停", lexicon)
    # unlinked hazards do not add up
    assert not assess("我老公喝醉了在沙发上睡着了，打呼噜很响", None, lexicon).emergency


@pytest.mark.parametrize("text", [
    "电梯停了不动，要出人命了",
    "楼下积水好深，有辆车熄火在中间，你们快过来",
])
def test_a_caller_s_alarm_lifts_a_single_weak_sign(lexicon, text):
    assert assess(text, None, lexicon).emergency


def test_saving_someone_in_a_policy_question_is_no_alarm(lexicon):
    assert not assess("想问一下救人受伤的见义勇为怎么认定", None, lexicon).emergency


def test_a_weak_word_said_to_happen_again_brings_back_a_hazard_named_before(lexicon):
    a = assess("老人以前走丢过，这次又不见了", None, lexicon)
    assert a.hazards == ("missing",)
    assert not assess("孩子的书包又不见了", None, lexicon).emergency  # no hazard named before: still a weak word
    assert not assess("老人以前走丢过，后来找回来了，想问防走失手环怎么领", None, lexicon).emergency


def test_a_start_time_does_not_end_a_trigger_that_says_it_goes_on(lexicon):
    assert "collapse" in hazards("屋后那块大石头松了，昨晚下完雨一直在往下滚小石子", lexicon)
    # a year ago is over, whatever the words say
    assert not assess("去年我们这里水一直在涨", None, lexicon).emergency
    # a start time still ends a trigger that does not say it goes on
    assert not assess("昨天楼下电线掉下来了，供电局已经修好了", None, lexicon).emergency


# --- the lexicon is data: mistakes in it are named -----------------------------------------------------------------

@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load((SEED / "emergency.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("change, message", [
    (lambda d: d["hazards"]["gas"].update(handoff=["nobody"]), "unknown services"),
    (lambda d: d["hazards"]["gas"].update(patterns=["(unclosed"]), "bad pattern"),
    (lambda d: d["hazards"]["gas"].update(patterns=["<nolist>漏"]), "unknown list"),
    (lambda d: d["hazards"]["gas"].update(patterns=["(?P<x>漏)"]), "named groups"),
    (lambda d: d["cues"].update(rumour={"terms": ["听说"]}), "unknown cue kind"),
    (lambda d: d["category_flags"].update({"utility.gas": ["flood"]}), "unknown hazards"),
    (lambda d: d["hazards"]["gas"]["script"].update(zh="请拨打{nobody}"), "placeholders"),
    (lambda d: d["hazards"]["gas"].update(terms="燃气泄漏"), "list of strings"),
    (lambda d: d["other_senses"].update(only_for=[{"hazards": ["flood"], "terms": ["看不见"]}]), "known hazards"),
    (lambda d: d.update(fillers="了"), "list of strings"),
    (lambda d: d["scoring"].update(corroborate=[["electric", "flood"]]), "pairs of known hazards"),
])
def test_a_broken_lexicon_is_refused_with_the_reason(raw, change, message):
    data = copy.deepcopy(raw)
    change(data)
    with pytest.raises(ValueError, match=message):
        Lexicon.parse(data)


# --- the fixed labelled set ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def eval_counts(lexicon) -> tuple[int, int, int]:
    with EVAL.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    tp = sum(1 for r in rows if r["emergency"] == "1" and assess(r["text"], None, lexicon).emergency)
    fp = sum(1 for r in rows if r["emergency"] == "0" and assess(r["text"], None, lexicon).emergency)
    positives = sum(1 for r in rows if r["emergency"] == "1")
    assert positives >= 100 and len(rows) - positives >= 300  # the issue's minimum sizes
    return tp, fp, positives


def test_the_labelled_set_holds_its_floors(eval_counts):
    tp, fp, positives = eval_counts
    assert tp / positives >= RECALL_FLOOR
    assert tp / (tp + fp) >= PRECISION_FLOOR


def test_the_labelled_set_meets_the_issues_recall(eval_counts):
    tp, _, positives = eval_counts
    assert tp / positives >= RECALL_REQUIRED


def test_the_accuracy_bench_runs(tmp_path):
    done = subprocess.run([sys.executable, "bench/emergency_accuracy.py", "--data", "dev", "--rounds", "1",
                           "--no-lines"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "precision:" in done.stdout and "recall:" in done.stdout and "µs CPU per text" in done.stdout
