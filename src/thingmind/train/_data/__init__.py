"""Training data: generated labelled sentences, noise, splits and JSONL files."""

from thingmind.train._data._augment import augment
from thingmind.train._data._build import (
    ClauseSeg,
    Piece,
    build_example,
    compact,
    compile_template,
    render,
)
from thingmind.train._data._generate import generate, generate_default
from thingmind.train._data._homes import HOMES_DIR, generic_homes, random_home
from thingmind.train._data._splits import read_jsonl, split, write_jsonl

__all__ = [
    "HOMES_DIR",
    "ClauseSeg",
    "Piece",
    "augment",
    "build_example",
    "compact",
    "compile_template",
    "generate",
    "generate_default",
    "generic_homes",
    "random_home",
    "read_jsonl",
    "render",
    "split",
    "write_jsonl",
]
