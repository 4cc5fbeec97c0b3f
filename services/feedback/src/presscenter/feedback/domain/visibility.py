"""Who may read which question: one rule for single reads and for queries alike.

- editors, admins, systems and services read every question;
- a journalist reads the questions they asked (and the public Q&A, elsewhere);
- a unit officer reads every question that ever reached their unit or a unit below it (the
  escalation chain stays visible to the units it passed through);
- the public reads nothing here (only `public_answers`).
"""

from __future__ import annotations

from presscenter.shared.directory import UnitTree
from presscenter.shared.rpc.feedback import Question, Viewer

FULL_ACCESS_ROLES = frozenset({"editor", "admin", "system", "service"})


def supervised_units(viewer: Viewer, tree: UnitTree) -> list[str]:
    """The unit codes a unit officer sees: their unit and every unit below it."""
    if viewer.role != "unit_officer" or not viewer.unit_code:
        return []
    if viewer.unit_code not in tree:
        return [viewer.unit_code]
    return [viewer.unit_code, *(unit.code for unit in tree.descendants(viewer.unit_code))]


def can_read(question: Question, viewer: Viewer, tree: UnitTree) -> bool:
    if viewer.role in FULL_ACCESS_ROLES:
        return True
    if viewer.role == "journalist":
        return question.journalist_id == viewer.id
    if viewer.role == "unit_officer":
        units = set(supervised_units(viewer, tree))
        return any(leg.unit_code in units for leg in question.legs)
    return False
