"""Batches on screen: a collection × a model set as a grid of painted cells (model/view).

`wiring.GridWiring` plugs it into the main window; `window.BatchWindow` shows one batch,
driven by `controller.BatchController` over the engine's `BatchRunner`.
"""
