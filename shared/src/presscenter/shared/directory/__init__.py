"""The unit directory: the tree of city office, departments, sectors, wards and communes.

Pure logic, no storage: services keep the units where they like and rebuild a `UnitTree`.
"""

from presscenter.shared.directory.seed import load_seed, seed_revision, seed_tree
from presscenter.shared.directory.tree import DirectoryError, UnitTree

__all__ = ["DirectoryError", "UnitTree", "load_seed", "seed_revision", "seed_tree"]
