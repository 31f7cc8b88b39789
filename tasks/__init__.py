"""Task packs: one folder per pack, each defining a ``TaskPack`` subclass in its ``__init__``."""
