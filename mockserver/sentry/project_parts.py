"""A project's JSON made from parts: a new state of the project costs what it changed.

A client's ``PUT`` changes a few inputs of the project (its name, its platform, an option); the
other keys of the 4 KB answer stay what they were. The parts of a state are the JSON of each
group of :data:`~mockserver.sentry.project_body.GROUPS` (``"key":value,...``), with the values it
was made from, kept in the state's memo (under :data:`~mockserver.world.overlay.CARRIED`, which
the next state's memo starts with). The next state's parts share every group whose inputs
(:func:`~mockserver.sentry.project_body.facets`, the same objects) did not change, and make, check
and encode only the others; the answer joins them. JSON's encoder writes an object as its items
joined by ``,``, so joining groups gives the bytes of encoding the whole body, key order
included.

Checks (``validate_responses``): with a :class:`~mockserver.schemas.parts.BodyCheck` of an object
schema made of properties, each new group is checked key by key against its property's compiled
check, and the key set against ``required``; whenever that cannot say "valid", the whole body is
checked as it always was, which raises the usual :class:`~mockserver.errors.ResponseSchemaError`.
Any other check runs on the whole body.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockserver.schemas.parts import BodyCheck
from mockserver.sentry import jsontext
from mockserver.sentry.project_body import FACETS
from mockserver.sentry.project_body import GROUPS
from mockserver.sentry.project_body import Variant
from mockserver.sentry.project_body import facets
from mockserver.sentry.project_body import overrides
from mockserver.world.overlay import CARRIED
from mockserver.world.store import ProjectView

Check = Callable[[Any], None]

_READS = tuple(group.facet_indexes for group in GROUPS)
# The groups that read the variant, and how.
_SHAPED = tuple((i, group.shape) for i, group in enumerate(GROUPS) if group.shape is not None)


def encode_items(values: Mapping[str, Any]) -> str:
    """The items of a JSON object, without its braces (``""`` for none), as ``dumps`` writes
    them inside the object."""
    return jsontext.dumps(values)[1:-1]


@dataclass(slots=True)
class Cell:
    """One group of keys, made for one shape of the variant.

    :ivar checked: the check every value passed (``None``: not checked).
    """

    values: dict[str, Any]
    text: str
    checked: object | None = None


@dataclass(slots=True)
class Slot:
    """One group for the facets it reads: its cells, shared by every state with the same ones.

    :ivar facets: the values of the facets the group reads (held, so that their ids in ``key``
        stay theirs).
    :ivar key: ``facets`` compared as :func:`_key` compares them: text by value, the rest by
        identity.
    """

    facets: tuple[object, ...]
    key: tuple[object, ...]
    cells: dict[object, Cell] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProjectParts:
    """The parts of one state of a project.

    :ivar facets: what they were made from (:func:`~mockserver.sentry.project_body.facets`).
    :ivar slots: a slot per group.
    :ivar recent: per group, its last :data:`RECENT_SLOTS` slots, the current one first: a
        group whose facets go back to recent values (a platform toggled) finds its JSON again.
    """

    facets: tuple[object, ...]
    slots: tuple[Slot, ...]
    recent: tuple[tuple[Slot, ...], ...]


RECENT_SLOTS = 4
"""How many slots of each group a state keeps (each a group's values and JSON, a few hundred
bytes at most)."""

# For each facet, the groups that read it.
_READERS = tuple(
    tuple(index for index, reads in enumerate(_READS) if facet in reads)
    for facet in range(len(FACETS))
)


def _key(values: tuple[object, ...]) -> tuple[object, ...]:
    # Text by value (a name sent again is another str object), anything else by identity:
    # nothing is compared by Python's equality, which is not JSON's (True == 1).
    return tuple([v if type(v) is str else id(v) for v in values])


def _slot(now: tuple[object, ...], reads: tuple[int, ...]) -> Slot:
    values = tuple([now[i] for i in reads])
    return Slot(values, _key(values))


def parts_of(view: ProjectView) -> ProjectParts:
    """The parts of ``view``'s state: kept in its memo, or made from the previous state's (a
    group whose facets changed takes a recent slot with the same ones, or a new one), or new."""
    now = facets(view)
    kept: ProjectParts | None = view.memo.get(CARRIED)
    if kept is None:
        first = tuple(_slot(now, reads) for reads in _READS)
        parts = ProjectParts(now, first, tuple((slot,) for slot in first))
        view.memo[CARRIED] = parts
        return parts
    old = kept.facets
    changed = [
        i
        for i, (a, b) in enumerate(zip(now, old, strict=True))
        if a is not b and not (type(a) is str and type(b) is str and a == b)
    ]
    if not changed:
        return kept
    slots = list(kept.slots)
    recent = list(kept.recent)
    for index in {group for facet in changed for group in _READERS[facet]}:
        wanted = _slot(now, _READS[index])
        kept_slots = recent[index]
        for slot in kept_slots:
            if slot.key == wanted.key:
                others = [s for s in kept_slots if s is not slot]
                break
        else:
            slot, others = wanted, list(kept_slots)
        slots[index] = slot
        recent[index] = (slot, *others[: RECENT_SLOTS - 1])
    parts = ProjectParts(now, tuple(slots), tuple(recent))
    view.memo[CARRIED] = parts
    return parts


def _shape_keys(shown: Variant) -> list[object]:
    """Per group, the key of its cell for ``shown``."""
    keys: list[object] = [None] * len(GROUPS)
    for index, shape in _SHAPED:
        keys[index] = shape(shown)
    return keys


def render(
    view: ProjectView,
    shown: Variant,
    check: Check | None = None,
    extra: Mapping[str, Any] | None = None,
) -> bytes:
    """Project details of ``view`` as ``shown``, encoded: the same bytes as ``dumps`` of
    :func:`~mockserver.sentry.project_body.project_details`.

    :param check: run on what is new in this answer (see the module docstring).
    :param extra: keys set last (``stats``, ``hasAlertIntegrationInstalled``).
    :raises ResponseSchemaError: from ``check``.
    """
    parts = parts_of(view)
    cells: list[Cell] = []
    made: list[tuple[Slot, object, Cell]] = []
    for index, (slot, key) in enumerate(zip(parts.slots, _shape_keys(shown), strict=True)):
        cell = slot.cells.get(key)
        if cell is None:
            values = GROUPS[index].make(view, shown)
            cell = Cell(values, encode_items(values))
            made.append((slot, key, cell))
        cells.append(cell)
    over = overrides(view, extra)
    if check is not None:
        _check(cells, over, check)
    for slot, key, cell in made:
        slot.cells[key] = cell  # kept once checked: nothing broken is kept
    if not over:
        return ("{" + ",".join([c.text for c in cells if c.text]) + "}").encode()
    return ("{" + ",".join(_overridden(cells, over)) + "}").encode()


def _overridden(cells: list[Cell], over: Mapping[str, Any]) -> list[str]:
    """The groups' texts with ``over`` written over them as ``dict.update`` would: a key a group
    has keeps its place, the others follow in ``over``'s order."""
    by_cell: dict[int, dict[str, Any]] = {}
    rest: dict[str, Any] = {}
    for key, value in over.items():
        for index, cell in enumerate(cells):
            if key in cell.values:
                by_cell.setdefault(index, {})[key] = value
                break
        else:
            rest[key] = value
    texts = []
    for index, cell in enumerate(cells):
        changes = by_cell.get(index)
        text = cell.text if changes is None else encode_items({**cell.values, **changes})
        if text:
            texts.append(text)
    if rest:
        texts.append(encode_items(rest))
    return texts


def _check(cells: list[Cell], over: Mapping[str, Any], check: Check) -> None:
    """Check what this answer adds to what earlier answers checked; the whole body when that
    cannot say "valid"."""
    if isinstance(check, BodyCheck) and check.by_parts:
        fresh = [cell for cell in cells if cell.checked is not check]
        part = check.part
        if (
            all(part(k, v) for cell in fresh for k, v in cell.values.items())
            and all(part(k, v) for k, v in over.items())
            and check.has_required(over.keys(), *[cell.values.keys() for cell in cells])
        ):
            for cell in fresh:
                cell.checked = check
            return
    body: dict[str, Any] = {}
    for cell in cells:
        body.update(cell.values)
    body.update(over)
    check(body)  # raises ResponseSchemaError when the answer breaks its schema
    for cell in cells:
        # A value written over was not checked: its cell stays unchecked.
        if over.keys().isdisjoint(cell.values):
            cell.checked = check
