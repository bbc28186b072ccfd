"""The embedded demo registry: a local sqlite registry seeded with a realistic set of models.

Every version comes from a real run (params, metric histories over several steps) and carries a
small real scikit-learn model, so details, charts and downloads all have something to show.
Seeding writes a marker file last: a half-seeded registry (crash, Ctrl+C) is rebuilt next time.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelyard.core.connectors._imports import IMPORT_LOCK
from modelyard.core.kinds import LocalSettings
from modelyard.core.model.domain import EventKind, StageEvent
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.reads.history import event_tag
from modelyard.core.runtime.paths import data_dir

log = logging.getLogger("modelyard.demo")

DEMO_PROFILE = "demo"
MARKER = ".seeded-v2"  # bump when the demo content changes: older demos are rebuilt

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class DemoModel:
    """Recipe of one demo model."""

    name: str
    task: str  # "classify" | "regress"
    estimator: str
    description: str
    tags: dict[str, str]
    stages: tuple[str, ...]  # stage of v1, v2, …
    aliases: dict[str, int] = field(default_factory=dict)


DEMO_MODELS: tuple[DemoModel, ...] = (
    DemoModel(
        "churn-classifier",
        "classify",
        "logistic",
        "Predicts which subscribers cancel within 30 days.\n\n"
        "* **Owner:** growth team\n* **Inputs:** usage and billing features\n"
        "* **Retrained:** weekly",
        {"team": "growth", "domain": "subscriptions", "framework": "scikit-learn"},
        ("Archived", "Archived", "None", "Production", "Staging"),
        {"champion": 4, "challenger": 5},
    ),
    DemoModel(
        "fraud-detector",
        "classify",
        "forest",
        "Scores card transactions for fraud in real time. Threshold tuned for 0.5% FPR.",
        {"team": "risk", "domain": "payments", "pii": "false", "framework": "scikit-learn"},
        ("Archived", "Production", "Staging"),
        {"champion": 2},
    ),
    DemoModel(
        "demand-forecast",
        "regress",
        "ridge",
        "Daily demand per store and product family, 14 days ahead.",
        {"team": "supply-chain", "domain": "forecasting", "framework": "scikit-learn"},
        (
            "Archived",
            "Archived",
            "Archived",
            "Archived",
            "Archived",
            "None",
            "Production",
            "Staging",
        ),
        {"champion": 7, "challenger": 8, "baseline": 1},
    ),
    DemoModel(
        "price-elasticity",
        "regress",
        "linear",
        "Log-log price elasticity per category; feeds the pricing simulator.",
        {"team": "pricing", "domain": "retail", "framework": "scikit-learn"},
        ("Production", "None"),
    ),
    DemoModel(
        "support-ticket-router",
        "classify",
        "logistic",
        "Routes incoming support tickets to one of four queues.",
        {"team": "customer-care", "domain": "nlp", "framework": "scikit-learn"},
        ("Archived", "Production", "Staging", "None"),
        {"champion": 2},
    ),
    DemoModel(
        "image-quality-scorer",
        "regress",
        "boosting",
        "Scores listing photos for sharpness and exposure (0–1).",
        {"team": "marketplace", "domain": "vision", "framework": "scikit-learn"},
        ("None",),
        {"candidate": 1},
    ),
)


def demo_dir() -> Path:
    """Folder of the demo registry."""
    return data_dir() / "demo"


def demo_profile(store: ProfileStore) -> Profile:
    """The ``demo`` profile, added to the profile file if missing."""
    existing = store.find(DEMO_PROFILE)
    if existing is not None:
        return existing
    folder = demo_dir()
    profile = Profile(
        name=DEMO_PROFILE,
        settings=LocalSettings(
            path=str(folder / "registry.db"), artifacts=str(folder / "artifacts")
        ),
        color="#2e7d32",
        label="demo",
    )
    return store.add(profile)


def is_seeded(profile: Profile) -> bool:
    """Whether the demo registry of ``profile`` exists completely."""
    assert isinstance(profile.settings, LocalSettings)
    return (Path(profile.settings.path).parent / MARKER).is_file()


def ensure_demo(
    store: ProfileStore, reset: bool = False, progress: Progress | None = None
) -> Profile:
    """Create (once) the demo registry; ``reset`` puts a fresh one in place. Blocking: about a
    second from the shipped archive (demo_pack), or ≈10 s training it here when a development
    checkout has no archive."""
    profile = demo_profile(store)
    settings = profile.settings
    assert isinstance(settings, LocalSettings)
    db = Path(settings.path)
    if is_seeded(profile) and not reset and db.is_file():
        return profile
    try:
        _make(profile, settings, db, reset, progress)
    except OSError as exc:  # a read-only or full home: said with the way out, never a crash
        raise ModelyardError(
            f"The demo registry cannot be made in {db.parent}: {exc.filename or db.parent}: "
            f"{exc.strerror or exc}. Set XDG_DATA_HOME to a writable folder (Modelyard keeps "
            "its data there).",
            ErrorKind.INVALID,
        ) from None
    return profile


def _make(
    profile: Profile,
    settings: LocalSettings,
    db: Path,
    reset: bool,
    progress: Progress | None,
) -> None:
    folder = db.parent
    report = progress or (lambda done, total, text: None)
    from modelyard.core.connectors._seams import schema_revisions
    from modelyard.core.demo.pack import NewerSchema, install, shipped_archive

    archive = shipped_archive()
    unpacked = False
    if archive.is_file() and settings.artifact_dir == folder / "artifacts":
        report(0, 1, "unpacking the demo registry")
        try:
            install(archive, folder, known=schema_revisions())
            unpacked = True
            report(1, 1, "done")
        except NewerSchema as newer:  # an older MLflow than the archive's: train it here
            log.info("demo archive not used: %s", newer)
    if not unpacked:
        (folder / MARKER).unlink(missing_ok=True)
        db.unlink(missing_ok=True)
        shutil.rmtree(settings.artifact_dir, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        _seed(db, settings.artifact_dir, report)
    (folder / MARKER).write_text("seeded by modelyard\n", encoding="utf-8")


def _seed(db: Path, artifacts: Path, progress: Progress, *, now: int | None = None) -> None:
    from modelyard.core.connectors._policy import apply_process_policy

    apply_process_policy()  # before MLflow is imported: its log level is read at import

    # Saving a model pins the environment's pip; a frozen app has no pip: say it once, not 23x.
    logging.getLogger("mlflow.utils.environment").setLevel(logging.ERROR)
    with IMPORT_LOCK:
        import numpy as np
        from mlflow.entities import Metric, Param, RunStatus, RunTag
        from mlflow.entities.model_registry import ModelVersionTag, RegisteredModelTag

    from modelyard.core.connectors._seams import LOCAL_ARTIFACT_REPOSITORY, resolve
    from modelyard.core.connectors.local import registry_store, tracking_store

    LocalArtifactRepository = resolve(LOCAL_ARTIFACT_REPOSITORY)
    artifacts.mkdir(parents=True, exist_ok=True)
    tracking = tracking_store(db, artifacts)
    registry = registry_store(db)
    total = sum(len(m.stages) for m in DEMO_MODELS)
    done = 0
    rng = np.random.default_rng(20261122)
    now = now if now is not None else int(time.time() * 1000)
    created_at: dict[tuple[str, int], int] = {}
    try:
        for model_index, recipe in enumerate(DEMO_MODELS):
            experiment_id = tracking.create_experiment(
                f"/demo/{recipe.name}",
                artifact_location=(artifacts / recipe.name).resolve().as_uri(),
                tags=[RunTag("team", recipe.tags.get("team", ""))],
            )
            registry.create_registered_model(
                recipe.name,
                tags=[RegisteredModelTag(k, v) for k, v in recipe.tags.items()],
                description=recipe.description,
            )
            X, y = _dataset(recipe, rng)
            for index, stage in enumerate(recipe.stages):
                version = index + 1
                progress(done, total, f"{recipe.name} v{version}")
                created = _created_ms(now, model_index, index, len(recipe.stages))
                created_at[(recipe.name, version)] = created
                started = created - 2 * HOUR
                run = tracking.create_run(
                    experiment_id,
                    user_id="demo-trainer",
                    start_time=started,
                    tags=[
                        RunTag("mlflow.user", "demo-trainer"),
                        RunTag("mlflow.source.name", "train.py"),
                    ],
                    run_name=f"{recipe.name}-train-{version}",
                )
                run_id = run.info.run_id
                params, history, model, signature_input = _train(recipe, version, X, y, rng)
                metrics = [
                    Metric(key, float(value), started + step * 60_000, step)
                    for key, values in history.items()
                    for step, value in enumerate(values)
                ]
                tracking.log_batch(
                    run_id,
                    metrics=metrics,
                    params=[Param(k, str(v)) for k, v in params.items()],
                    tags=[RunTag("mlflow.runName", f"{recipe.name}-train-{version}")],
                )
                with tempfile.TemporaryDirectory(prefix="modelyard-demo-") as tmp:
                    local = Path(tmp) / "model"
                    _save_model(model, local, signature_input)
                    LocalArtifactRepository(run.info.artifact_uri).log_artifacts(
                        str(local), "model"
                    )
                tracking.update_run_info(run_id, RunStatus.FINISHED, started + 30 * 60_000, None)
                mv = registry.create_model_version(
                    recipe.name,
                    source=f"{run.info.artifact_uri}/model",
                    run_id=run_id,
                    tags=[
                        ModelVersionTag("validation", "passed" if stage != "None" else "pending"),
                        ModelVersionTag("dataset", f"{recipe.name}-{2026}-w{30 + version}"),
                    ],
                    description=f"Retrained on week {30 + version} data.",
                )
                if stage != "None":
                    registry.transition_model_version_stage(
                        recipe.name, mv.version, stage, archive_existing_versions=False
                    )
                done += 1
            for alias, version in recipe.aliases.items():
                registry.set_registered_model_alias(recipe.name, alias, str(version))
            for version, events in _story(recipe, created_at, now).items():
                for key, value in map(event_tag, events):
                    registry.set_model_version_tag(
                        recipe.name, str(version), ModelVersionTag(key, value)
                    )
        progress(done, total, "done")
    finally:
        for store in (tracking, registry):
            engine = getattr(store, "engine", None)
            if engine is not None:
                engine.dispose()
    _backdate(db, created_at, now)


HOUR = 3600 * 1000
DAY = 24 * HOUR
PEOPLE = ("ana", "ben", "chen", "dana")


def _created_ms(now: int, model_index: int, index: int, count: int) -> int:
    """Versions of a model about five days apart, the newest a few days old."""
    newest = now - (3 + model_index) * DAY - model_index * 5 * HOUR
    return newest - (count - 1 - index) * 5 * DAY


def _story(
    recipe: DemoModel, created_at: dict[tuple[str, int], int], now: int
) -> dict[int, list[StageEvent]]:
    """A plausible promotion history that ends in each version's demo stage."""

    def at(ms: int) -> datetime:
        return datetime.fromtimestamp(min(ms, now - HOUR) / 1000, tz=UTC)

    stages = recipe.stages
    events: dict[int, list[StageEvent]] = {v: [] for v in range(1, len(stages) + 1)}
    production_at = {
        v: created_at[(recipe.name, v)] + 2 * DAY
        for v in events
        if stages[v - 1] in ("Production", "Archived")
    }
    for v, bucket in events.items():
        created = created_at[(recipe.name, v)]
        who = PEOPLE[(v + len(recipe.name)) % len(PEOPLE)]
        final = stages[v - 1]
        if final in ("Staging", "Production", "Archived"):
            bucket.append(
                StageEvent(
                    EventKind.STAGE,
                    str(v),
                    at(created + DAY),
                    who,
                    "None",
                    "Staging",
                    "offline evaluation passed",
                )
            )
        if final in ("Production", "Archived"):
            bucket.append(
                StageEvent(
                    EventKind.STAGE,
                    str(v),
                    at(created + 2 * DAY),
                    PEOPLE[(v + 1) % len(PEOPLE)],
                    "Staging",
                    "Production",
                    "canary at 5% for 24 h: no regressions",
                )
            )
        if final == "Archived":
            later = [w for w in production_at if w > v]
            when = production_at[later[0]] if later else created + 3 * DAY
            reason = f"archived when v{later[0]} moved to Production" if later else "retired"
            bucket.append(
                StageEvent(EventKind.STAGE, str(v), at(when), who, "Production", "Archived", reason)
            )
    for alias, v in recipe.aliases.items():
        when = production_at.get(v, created_at[(recipe.name, v)] + DAY + HOUR)
        events[v].append(
            StageEvent(
                EventKind.ALIAS_SET,
                str(v),
                at(when + 10 * 60_000),
                PEOPLE[v % len(PEOPLE)],
                "",
                alias,
                "",
            )
        )
    return {v: sorted(e, key=lambda ev: ev.when or at(now)) for v, e in events.items() if e}


def _backdate(db: Path, created_at: dict[tuple[str, int], int], now: int) -> None:
    """Give the demo's versions creation/update times spread over past weeks (our own DB)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        for (name, version), created in created_at.items():
            conn.execute(
                "UPDATE model_versions SET creation_time = ?, last_updated_time = ?, user_id = ? "
                "WHERE name = ? AND version = ?",
                (
                    created,
                    min(created + 2 * DAY, now - HOUR),
                    PEOPLE[version % len(PEOPLE)],
                    name,
                    version,
                ),
            )
        conn.execute(
            "UPDATE registered_models SET "
            "creation_time = (SELECT MIN(creation_time) FROM model_versions v "
            "WHERE v.name = registered_models.name), "
            "last_updated_time = (SELECT MAX(last_updated_time) FROM model_versions v "
            "WHERE v.name = registered_models.name)"
        )
    conn.close()


def _dataset(recipe: DemoModel, rng: Any) -> tuple[Any, Any]:
    import numpy as np

    n, features = 400, 6
    X = rng.normal(size=(n, features))
    weights = rng.normal(size=features)
    if recipe.task == "classify":
        classes = 4 if "router" in recipe.name else 2
        scores = X @ weights + rng.normal(scale=0.8, size=n)
        edges = np.quantile(scores, np.linspace(0, 1, classes + 1)[1:-1])
        y = np.digitize(scores, edges)
    else:
        y = X @ weights + rng.normal(scale=0.5, size=n)
    return X, y


def _train(
    recipe: DemoModel, version: int, X: Any, y: Any, rng: Any
) -> tuple[dict[str, object], dict[str, list[float]], Any, Any]:
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
    from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

    split = int(len(X) * 0.75)
    columns = [f"f{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns)
    train_x, test_x, train_y, test_y = frame[:split], frame[split:], y[:split], y[split:]
    steps = 10 + version * 2
    params: dict[str, object]
    model: Any
    if recipe.estimator == "logistic":
        params = {"C": round(0.2 * version, 2), "max_iter": 200, "solver": "lbfgs"}
        model = LogisticRegression(C=0.2 * version, max_iter=200)
    elif recipe.estimator == "forest":
        params = {"n_estimators": 10 + 5 * version, "max_depth": 3 + version}
        model = RandomForestClassifier(
            n_estimators=10 + 5 * version, max_depth=3 + version, random_state=version
        )
    elif recipe.estimator == "ridge":
        params = {"alpha": round(2.0 / version, 3)}
        model = Ridge(alpha=2.0 / version)
    elif recipe.estimator == "boosting":
        params = {"n_estimators": 20, "learning_rate": 0.1, "max_depth": 2}
        model = GradientBoostingRegressor(n_estimators=20, max_depth=2, random_state=version)
    else:
        params = {"fit_intercept": True}
        model = LinearRegression()
    params["training_rows"] = split
    params["seed"] = version
    model.fit(train_x, train_y)
    quality = 1 - 0.35 / (1 + version)  # later versions learn a little better
    decay = np.exp(-np.linspace(0, 3, steps))
    noise = rng.normal(scale=0.01, size=steps)
    history: dict[str, list[float]] = {
        "train_loss": list(0.2 + 0.9 * decay * (1.2 - quality) + noise)
    }
    if recipe.task == "classify":
        accuracy = float((model.predict(test_x) == test_y).mean())
        history["val_accuracy"] = list(accuracy - 0.3 * decay + noise / 2)
        history["accuracy"] = [accuracy]
    else:
        residual = model.predict(test_x) - test_y
        rmse = float(np.sqrt(np.mean(residual**2)))
        r2 = float(1 - np.sum(residual**2) / np.sum((test_y - test_y.mean()) ** 2))
        history["val_rmse"] = list(rmse * (1 + 1.5 * decay) + noise)
        history["rmse"] = [rmse]
        history["r2"] = [r2]
    return params, history, model, train_x.head(3)


def _save_model(model: Any, path: Path, example: Any) -> None:
    with IMPORT_LOCK:
        import mlflow.sklearn
        import sklearn
        from mlflow.models import infer_signature

    signature = infer_signature(example, model.predict(example))
    mlflow.sklearn.save_model(
        model,
        str(path),
        pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
        signature=signature,
        input_example=example,
        # our own tree models, created a moment ago: safe to load
        skops_trusted_types=["sklearn.tree._tree.Tree"],
    )
