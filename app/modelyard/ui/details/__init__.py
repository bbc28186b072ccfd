"""Details of the selected profile, model or version."""

from modelyard.ui.details.pane import DetailsPane

__all__ = ["DetailsPane"]
