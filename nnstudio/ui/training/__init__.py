"""Running the trainer from the GUI: the worker thread, its controller and the controls."""
