"""Qt layer of Modelyard. Never calls the network on the GUI thread: see :mod:`.workers`."""
