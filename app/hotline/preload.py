"""What a serving process needs from heavy libraries, made in a spawned process before it takes requests.

Training imports scikit-learn and leaves the training matrices' memory with the allocator; romanizing place
names loads pypinyin's phrase dictionary. Together about 300 MB that a serving process would carry for its whole
life, in every worker. The child trains the shipped classifier and the emergency model from seed/ exactly as the
server would (the same code, the same data) and romanizes the places in the database that have no English name;
it hands back what answering needs: the classifier's artefact (`Classifier.dump`, the format a promoted version
is stored in), the emergency model's weights and the English names. The server installs them, so its answers are
the same, and neither scikit-learn nor pypinyin is imported into it (a place imported later without an English
name loads pypinyin in the process that first names it).
"""

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from app.core import romanize
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.hotline import service, versions
from app.hotline.classifier import Classifier
from app.hotline.emergency_model import EmergencyModel
from app.regions import repository as regions

log = logging.getLogger("app.hotline.preload")


async def _unnamed_places(settings: Settings) -> list[str]:
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            return await regions.names_without_english(session)
    finally:
        await engine.dispose()


def _prepare(settings: Settings) -> tuple[bytes, EmergencyModel | None, dict[str, str]]:
    classifier = versions.train_shipped(settings.seed_dir)
    emergency = service.emergency_lexicon(str(settings.seed_dir)).model
    try:
        places = asyncio.run(_unnamed_places(settings))
    except Exception:  # noqa: BLE001 - no database yet: the server romanizes as it meets names
        log.warning("place names not read for romanizing ahead", exc_info=True)
        places = []
    return classifier.dump(), emergency, {name: romanize.place_name_en(name) for name in set(places)}


def prepare_elsewhere(settings: Settings) -> None:
    """Makes the models and the English names in a spawned process and installs them in this one."""
    # Spawned, not forked: the child inherits no event loop, connection, lock or thread of the server.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        data, emergency, names = pool.submit(_prepare, settings).result()
    versions.install_shipped(settings.seed_dir, Classifier.load(data))
    if emergency is not None:
        service.install_emergency_model(settings.seed_dir, emergency)
    romanize.remember(names)
