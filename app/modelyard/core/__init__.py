"""Plain-Python core of Modelyard. Never imports Qt (an import-linter contract enforces it)."""
