"""The live training panels (pyqtgraph): loss, decision boundary, gradients, weights, LR."""
