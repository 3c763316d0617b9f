"""The PySide6 + pyqtgraph application: main window, editor, and (later) training panels."""
