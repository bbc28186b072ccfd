"""A version's files and how to use it: ``download``, ``uri``, ``snippet``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from modelyard.cli.app import _registry, _with_model_aliases, cli
from modelyard.cli.output import _echo, _fail, _p, _reported
from modelyard.core.model.domain import (
    ModelFile,
)
from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.profile import (
    ProfileStore,
)
from modelyard.core.reads.download import DownloadProgress


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
    from modelyard.core.reads.download import (
        human_bytes,
        left_out_words,
        plan_download,
        run_download,
    )

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
    from modelyard.core.reads.snippet import model_uris

    with _reported(), _registry(profile) as registry:
        for _label, value in model_uris(_with_model_aliases(registry, model, version)):
            _echo(value)


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version")
def snippet(profile: str, model: str, version: str) -> None:
    """Print Python that loads VERSION from this registry (credentials from the environment)."""
    from modelyard.core.reads.snippet import load_snippet

    with _reported(), _registry(profile) as registry:
        summary = _with_model_aliases(registry, model, version)
        try:
            model_file: ModelFile | None = registry.read_model_file(model, version)
        except ModelyardError:
            model_file = None
        _echo(load_snippet(ProfileStore().get(profile), summary, model_file), nl=False)


@cli.command("files")
@click.argument("profile")
@click.argument("model")
@click.argument("version")
@click.argument("path", required=False, default="")
@click.option(
    "--head", is_flag=True, help="Show the first lines of the file PATH (only its head is read)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def files_command(
    profile: str, model: str, version: str, path: str, head: bool, as_json: bool
) -> None:
    """List the files of VERSION (below PATH), or with --head preview the file PATH: text and
    tables as their first lines, anything else named."""
    import json

    from modelyard.cli.output import _echo_exact, _table
    from modelyard.core.reads.download import human_bytes
    from modelyard.core.reads.preview import read_preview

    with _reported(), _registry(profile) as registry:
        location = registry.artifact_location(model, version)
        if head:
            if not path:
                raise click.UsageError("--head needs the PATH of a file")
            import posixpath

            clean = path.strip("/")
            listed = registry.list_artifacts(location, posixpath.dirname(clean))
            entry = next((e for e in listed if e.path == clean), None)
            if entry is None:
                _fail(f"{model} v{version} has no file {clean!r} (modelyard files lists them)")
            if entry.is_dir:
                _fail(f"{clean!r} is a folder: list it without --head")
            shown = read_preview(registry, location, entry)
            if as_json:
                _echo_exact(
                    json.dumps(
                        {
                            "path": shown.path,
                            "kind": shown.kind,
                            "size": shown.size,
                            "text": shown.text,
                            "rows": [list(r) for r in shown.rows],
                            "truncated": shown.truncated,
                            "note": shown.note,
                        }
                    )
                )
                return
            if shown.kind == "text":
                _echo(shown.text, nl=not shown.text.endswith("\n"))
            elif shown.kind == "table":
                _echo(_table([list(r) for r in shown.rows[1:]], list(shown.rows[0])))
            elif shown.kind == "image":
                _echo(f"An image ({human_bytes(shown.size or len(shown.data))}): download it.")
            if shown.note:
                _echo(f"({shown.note})" if shown.kind != "none" else shown.note, err=True)
            return
        entries = registry.list_artifacts(location, path)
        if as_json:
            _echo_exact(
                json.dumps([{"path": e.path, "dir": e.is_dir, "size": e.size} for e in entries])
            )
            return
        rows = [
            [_p(e.path) + ("/" if e.is_dir else ""), "" if e.is_dir else human_bytes(e.size or 0)]
            for e in entries
        ]
        _echo(_table(rows, ["PATH", "SIZE"]) if rows else "No files here.")
