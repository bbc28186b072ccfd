"""A version's files and how to use it: ``download``, ``uri``, ``snippet``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from modelyard.cli.app import _registry, _with_model_aliases, cli
from modelyard.cli.output import _echo, _p, _reported
from modelyard.core.domain import (
    ModelFile,
)
from modelyard.core.download import DownloadProgress
from modelyard.core.errors import ModelyardError
from modelyard.core.profiles import (
    ProfileStore,
)


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version")
@click.argument("dest", type=click.Path(file_okay=False))
@click.option("--files", "files", multiple=True, help="Only these files or folders (repeatable).")
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace files in DEST that this download did not write (yours, or another version's).",
)
def download(
    profile: str, model: str, version: str, dest: str, files: tuple[str, ...], overwrite: bool
) -> None:
    """Download the artifacts of VERSION into DEST (resumes; never leaves partial files; never
    overwrites a file it did not write unless --overwrite)."""
    from modelyard.core.download import human_bytes, left_out_words, plan_download, run_download

    with _reported(), _registry(profile) as registry:
        plan = plan_download(registry, model, version, list(files) or None)
        label = f"{model} v{version} ({len(plan.files)} files, {human_bytes(plan.total_bytes)})"
        with click.progressbar(
            length=max(plan.total_bytes, 1), label=_p(label), file=sys.stderr, show_eta=True
        ) as bar:

            def progress(p: DownloadProgress) -> None:
                bar.update(p.done_bytes - bar.pos)

            result = run_download(registry, plan, Path(dest), progress, overwrite=overwrite)
            bar.update(max(plan.total_bytes, 1) - bar.pos)
        extra = [f"{len(result.skipped)} already there"] if result.skipped else []
        extra += [f"{len(result.replaced)} replaced"] if result.replaced else []
        more = f" ({', '.join(extra)})" if extra else ""
        _echo(f"Downloaded {len(result.written)} files to {result.destination.resolve()}{more}.")
        if (words := left_out_words(plan)) is not None:
            _echo(f"modelyard: note: {words}.", err=True)


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version")
def uri(profile: str, model: str, version: str) -> None:
    """Print the model URIs of VERSION (by number, alias and stage)."""
    from modelyard.core.snippet import model_uris

    with _reported(), _registry(profile) as registry:
        for _label, value in model_uris(_with_model_aliases(registry, model, version)):
            _echo(value)


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version")
def snippet(profile: str, model: str, version: str) -> None:
    """Print Python that loads VERSION from this registry (credentials from the environment)."""
    from modelyard.core.snippet import load_snippet

    with _reported(), _registry(profile) as registry:
        summary = _with_model_aliases(registry, model, version)
        try:
            model_file: ModelFile | None = registry.read_model_file(model, version)
        except ModelyardError:
            model_file = None
        _echo(load_snippet(ProfileStore().get(profile), summary, model_file), nl=False)
