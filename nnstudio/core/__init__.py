"""The Qt-free heart of NN Studio: graph, catalog, shapes, compile, datasets, projects."""
