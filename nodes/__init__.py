"""Built-in node types, one module per family. Installed as ``exsampling_patch.nodes``.

Keep imports of heavy libraries (torch, librosa, dearpygui) inside the functions that need them:
``exsampling nodes`` and ``exsampling run`` import every module here at start-up.
"""
