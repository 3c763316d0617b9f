"""The graph canvas: a QGraphicsScene that draws the document's graph and turns gestures into
undo commands, and the view that zooms, pans and accepts layers dropped from the palette."""
