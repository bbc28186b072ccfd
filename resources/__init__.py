"""Icons and style sheets shipped with Modelyard; read them through ``modelyard.assets``."""
