"""The served process takes its shipped models and English place names from a spawned process
(app/hotline/preload.py): it answers as a process that made them itself, and never imports scikit-learn or
pypinyin."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from app.core.romanize import place_name_en
from app.hotline.emergency import assess
from app.hotline.service import emergency_lexicon, train_classifier
from app.models import Region

SEED = Path("seed").resolve()
TEXTS = [
    "楼下烧烤店每天晚上油烟很大，熏得窗户都不敢开",
    "隔壁工地半夜还在打桩，吵得小孩睡不着",
    "我家老人八十多岁了，想问一下居家养老上门服务怎么申请",
    "煤气好大味啊，邻居家门口一直有股味道，敲门没人应",
    "上个礼拜电梯困过人，现在已经修好了，我就是反映一下",
    "路灯坏咗成个礼拜，夜晚行路好危险",
]
PLACES = ["重庆市", "长安镇", "粤海街道", "厦门市"]  # 重, 长 and 厦 read as in place names, not alone

SERVED = """
import json, sys
from pathlib import Path
from app.core.config import Settings
from app.core.romanize import place_name_en
from app.hotline.preload import prepare_elsewhere
from app.hotline.service import emergency_lexicon, train_classifier
from app.hotline.emergency import assess
seed, data, texts, places = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
settings = Settings(database_url=f"sqlite+aiosqlite:///{data / 'csc.db'}", data_dir=data, seed_dir=seed)
prepare_elsewhere(settings)
model, lexicon = train_classifier(seed), emergency_lexicon(str(seed))
print(json.dumps({
    "modules": sorted(m for m in ("sklearn", "scipy", "pypinyin") if m in sys.modules),
    "suggest": [[(s.category, round(s.score, 6)) for s in model.suggest(t)] for t in texts],
    "emergency": [[a.emergency, list(a.hazards), round(a.model or 0.0, 6)]
                  for a in (assess(t, None, lexicon) for t in texts)],
    "places": [place_name_en(p) for p in places],
}))
"""


def test_the_served_process_answers_as_one_that_made_everything_and_carries_no_maker(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'csc.db'}")
    Region.__table__.create(engine)  # type: ignore[attr-defined]
    engine.dispose()
    with sqlite3.connect(tmp_path / "csc.db") as conn:
        conn.executemany("INSERT INTO regions (code, name, name_en, level, statistical, aliases, places) "
                         "VALUES (?, ?, NULL, 'district', 0, '[]', '[]')", [(str(i), p) for i, p in enumerate(PLACES)])
    out = subprocess.run([sys.executable, "-c", SERVED, str(SEED), str(tmp_path), json.dumps(TEXTS),
                          json.dumps(PLACES)], capture_output=True, text=True, check=True, timeout=600).stdout
    served = json.loads(out.strip().splitlines()[-1])
    assert served["modules"] == []
    model, lexicon = train_classifier(SEED), emergency_lexicon(str(SEED))  # made here, in this process
    assert served["suggest"] == [[[s.category, round(s.score, 6)] for s in model.suggest(t)] for t in TEXTS]
    assert served["emergency"] == [[a.emergency, list(a.hazards), round(a.model or 0.0, 6)]
                                   for a in (assess(t, None, lexicon) for t in TEXTS)]
    assert any(e[0] for e in served["emergency"]) and not all(e[0] for e in served["emergency"])
    assert served["places"] == [place_name_en(p) for p in PLACES]
    assert served["places"][:2] == ["Chongqing", "Chang'an Town"]
