"""``python -m modelyard`` runs the same entry point as the ``modelyard`` command."""

from modelyard.cli import main

if __name__ == "__main__":
    main()
