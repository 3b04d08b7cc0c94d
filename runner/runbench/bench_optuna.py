"""Optuna anchor of `sweep bench orchestrator` (shared/bench/ANCHORS.md):
N no-op trials through Optuna's SQLite storage, GridSampler over the trial
grid, n_jobs=2, each objective running `true` as a subprocess.

    python bench_optuna.py TRIALS DB_PATH

Prints one JSON line: optuna's version, the trials completed and the
seconds from creating the study to the end of optimize (the interpreter's
start and `import optuna` are left out, as sweep's process start is).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import optuna


def main(argv: list[str]) -> int:
    n, db = int(argv[1]), argv[2]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seeds = list(range(1, n + 1))

    def objective(trial: optuna.trial.Trial) -> float:
        trial.suggest_categorical("seed", seeds)
        subprocess.run(["true"], check=True)
        return 0.0

    t0 = time.perf_counter()
    study = optuna.create_study(storage=f"sqlite:///{db}", study_name="bench-noop",
                                sampler=optuna.samplers.GridSampler({"seed": seeds}))
    study.optimize(objective, n_trials=n, n_jobs=2)
    seconds = time.perf_counter() - t0
    done = sum(1 for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.COMPLETE)
    print(json.dumps({"optuna": optuna.__version__, "trials": n, "completed": done, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
