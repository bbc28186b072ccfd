"""Modelyard: one desktop window onto every MLflow model registry you use."""

__version__ = "0.1.0"
APP_NAME = "Modelyard"
APP_ID = "modelyard"
