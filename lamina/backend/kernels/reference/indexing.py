"""Reference scatter-adds (the embedding's backward)."""

from lamina.backend.kernels import namespace


def index_add_rows(target, rows, values):
    """target[rows[k]] += values[k] for every k, repeated rows adding up (an embedding's backward)."""
    xp = namespace.of(target)
    xp.add.at(target, rows, values)
