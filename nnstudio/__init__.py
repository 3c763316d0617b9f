"""NN Studio: a desktop lab for building neural networks and watching them learn."""

__version__ = "0.1.0"
