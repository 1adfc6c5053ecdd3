"""Train/validation/test splits and JSONL files of labelled sentences."""

from __future__ import annotations

import json
from pathlib import Path
import random
from typing import TYPE_CHECKING

from thingmind.nlu import TaggedExample

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


def _key(example: TaggedExample) -> tuple[str, ...]:
    return tuple(w.lower() for w in example.words)


def split(
    examples: Sequence[TaggedExample], *, seed: int, val: float = 0.1, test: float = 0.1
) -> tuple[list[TaggedExample], list[TaggedExample], list[TaggedExample]]:
    """Split examples into train, validation and test sets, stratified by ``kind``.

    Sentences are de-duplicated first (same words, ignoring case; the first one is
    kept), so no sentence is in two sets. Each kind is shuffled with ``seed`` and cut in
    the given proportions, so every set has about the same mix of kinds.

    Args:
        examples: The examples.
        seed: The random seed.
        val: Share for validation, 0-1.
        test: Share for test, 0-1.

    Returns:
        ``(train, val, test)``.

    Raises:
        ValueError: When the shares are negative or add up to 1 or more.
    """
    if val < 0 or test < 0 or val + test >= 1:
        msg = f"val ({val}) and test ({test}) must be >= 0 and add up to less than 1"
        raise ValueError(msg)
    rng = random.Random(seed)
    seen: set[tuple[str, ...]] = set()
    by_kind: dict[str, list[TaggedExample]] = {}
    for ex in examples:
        key = _key(ex)
        if key in seen:
            continue
        seen.add(key)
        by_kind.setdefault(ex.kind or "none", []).append(ex)
    train: list[TaggedExample] = []
    dev: list[TaggedExample] = []
    tst: list[TaggedExample] = []
    for kind in sorted(by_kind):
        group = by_kind[kind]
        rng.shuffle(group)
        n_val = round(len(group) * val)
        n_test = round(len(group) * test)
        dev.extend(group[:n_val])
        tst.extend(group[n_val : n_val + n_test])
        train.extend(group[n_val + n_test :])
    for part in (train, dev, tst):
        rng.shuffle(part)
    return train, dev, tst


def write_jsonl(examples: Iterable[TaggedExample], path: str | Path) -> int:
    """Write examples as JSON lines (``words``, ``clause_tags``, ``slot_tags``, ``kind``).

    Args:
        examples: The examples.
        path: The file to write (its folder is created).

    Returns:
        How many lines were written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with out.open("w", encoding="utf-8") as fh:
        for ex in examples:
            record = {
                "words": list(ex.words),
                "clause_tags": list(ex.clause_tags),
                "slot_tags": list(ex.slot_tags),
                "kind": ex.kind,
            }
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_jsonl(path: str | Path) -> list[TaggedExample]:
    """Read examples written by :func:`write_jsonl`.

    Args:
        path: The file.

    Returns:
        The examples, in file order.

    Raises:
        ValueError: When a line is not a valid example (with its line number).
    """
    out: list[TaggedExample] = []
    with Path(path).open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                out.append(
                    TaggedExample(
                        words=tuple(rec["words"]),
                        clause_tags=tuple(rec["clause_tags"]),
                        slot_tags=tuple(rec["slot_tags"]),
                        kind=str(rec.get("kind", "")),
                    )
                )
            except (KeyError, TypeError, ValueError) as err:
                msg = f"{path}:{lineno}: not a labelled example ({err})"
                raise ValueError(msg) from err
    return out
