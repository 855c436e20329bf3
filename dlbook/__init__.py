"""dlbook: the NumPy library that the book builds up chapter by chapter.

Each module implements one concept of the book; the chapter <-> module <-> test
map is in README.md.  Modules are imported on demand
(``from dlbook import optim``), so importing ``dlbook`` itself needs nothing but
NumPy.
"""

__version__ = "0.1.0"

__all__ = [
    "activations",
    "batchnorm",
    "clipping",
    "data",
    "early_stopping",
    "exercises",
    "forward_mode",
    "gradcheck",
    "graph",
    "init",
    "losses",
    "mixture",
    "nn",
    "optim",
    "pipeline",
    "reference",
    "regularization",
    "schedules",
    "training",
    "whitening",
]
