"""The simulation as a Hypothesis state machine: each rule is one actor's step, every invariant runs after it,
and a violation shrinks to a short sequence of steps printed with the seed that found it."""

import asyncio
import random
from contextlib import AsyncExitStack

from hypothesis import HealthCheck, settings
from hypothesis import seed as use_seed
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from tests.simulation.run import WEIGHTED, Databases, District, district

FULL_EVERY_CI = 50  # the full sweep, four times in a 200-step example


def machine_for(dbs: Databases) -> type[RuleBasedStateMachine]:
    class YearInADistrict(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.runner = asyncio.Runner()
            self.stack = AsyncExitStack()
            self.url = self.runner.run(dbs.fresh())
            self.district: District = self.runner.run(self.stack.enter_async_context(
                district(self.url, dbs.folder, 0, full_every=FULL_EVERY_CI)))

        # Weights are repetitions in the list; shrinking moves towards its head (a hotline call).
        @rule(name=st.sampled_from(WEIGHTED), rnd=st.randoms(use_true_random=False))
        def step(self, name: str, rnd: random.Random) -> None:
            self.district.world.rnd = rnd
            try:
                self.runner.run(self.district.step(name))
            except AssertionError as exc:
                exc.add_note("the last steps:\n" + "\n".join(self.district.world.log))
                raise

        def teardown(self) -> None:
            try:
                self.runner.run(self.stack.aclose())
                self.runner.run(dbs.drop(self.url))
            finally:
                self.runner.close()

    return YearInADistrict


def run_machine(dbs: Databases, seed: int, *, examples: int, steps: int) -> None:
    machine = use_seed(seed)(machine_for(dbs))
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, database=None, print_blob=True,
        suppress_health_check=list(HealthCheck)))
