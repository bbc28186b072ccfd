"""Find across registries (#29): the query line, its results, opening a result in the tree."""
