"""The composer's editor: Dear PyGui views over the patch model and the runtime's events.

Layers, from the bottom:

- :mod:`.history`, :mod:`.model`: the editor model. Every edit of the patch is a command that can be
  undone and redone; the model knows nothing of widgets and is tested without a display.
- :mod:`.palette`, :mod:`.params`, :mod:`.geo`, :mod:`.live`: pure helpers for the views: the node
  palette, parameter widget specs, the takes' map projection, and the runtime observer that queues
  events from worker threads and applies them on the GUI thread.
- :mod:`.patch_view`, :mod:`.inspector`, :mod:`.perf_view`, :mod:`.app`: thin Dear PyGui views.

Nothing here is imported by the core; ``dearpygui`` is imported only by the view modules.
"""
