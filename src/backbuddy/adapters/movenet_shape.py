"""MoveNet with its input size written in, for the page's runtime (issue 15, item 2).

Google's MoveNet MultiPose file takes any input size (its input tensor is declared
1 × -1 × -1 × 3) and the server's LiteRT resizes it per frame (`adapters.movenet`). The
page's runtime (npm `@litertjs/core`) cannot resize an input: it needs a file whose input
is fixed. `fixed_shape` writes width and height into the input tensor's `shape` and
`shape_signature` in place (four int32 each, same length: nothing else in the file moves),
so the weights and every operator stay Google's, byte for byte. `make vendor` builds one
file per input shape the page may use (`scripts/vendor_movenet.py`) and pins each hash.
"""

from __future__ import annotations

import struct

from flatbuffers.table import Table

# TFLite schema field numbers (tensorflow/lite/schema/schema.fbs).
_MODEL_SUBGRAPHS = 2
_SUBGRAPH_TENSORS, _SUBGRAPH_INPUTS = 0, 1
_TENSOR_SHAPE, _TENSOR_SHAPE_SIGNATURE = 0, 7


class ShapeError(ValueError):
    """The file is not a one-input MoveNet-like model whose input is N × H × W × 3."""


def _field(table: Table, field: int) -> int:
    """The absolute offset of a table field's value, or 0 when absent."""
    rel = table.Offset(4 + 2 * field)
    return 0 if rel == 0 else table.Pos + rel


def _vector(table: Table, field: int) -> tuple[int, int]:
    """(position of the first element, length) of a vector field."""
    at = _field(table, field)
    if at == 0:
        raise ShapeError(f"field {field} is missing")
    return table.Vector(at - table.Pos), table.VectorLen(at - table.Pos)


def _table_at(buf: bytearray, pos: int) -> Table:
    return Table(buf, pos + struct.unpack_from("<I", buf, pos)[0])


def input_shape_offsets(buf: bytearray) -> list[int]:
    """Where the input tensor's shape (and shape signature) vectors start in the file."""
    model = _table_at(buf, 0)
    subgraphs, count = _vector(model, _MODEL_SUBGRAPHS)
    if count < 1:
        raise ShapeError("the model has no subgraph")
    graph = _table_at(buf, subgraphs)
    inputs, n_inputs = _vector(graph, _SUBGRAPH_INPUTS)
    if n_inputs != 1:
        raise ShapeError(f"the model has {n_inputs} inputs, not one")
    index = struct.unpack_from("<i", buf, inputs)[0]
    tensors, n_tensors = _vector(graph, _SUBGRAPH_TENSORS)
    if not 0 <= index < n_tensors:
        raise ShapeError("the input tensor index is out of range")
    tensor = _table_at(buf, tensors + 4 * index)
    offsets = []
    for field in (_TENSOR_SHAPE, _TENSOR_SHAPE_SIGNATURE):
        if _field(tensor, field) == 0 and field == _TENSOR_SHAPE_SIGNATURE:
            continue
        start, length = _vector(tensor, field)
        if length != 4:
            raise ShapeError(f"the input has {length} dimensions, not 4")
        batch, _, _, channels = struct.unpack_from("<4i", buf, start)
        if batch != 1 or channels != 3:
            raise ShapeError(f"the input is {batch} × ? × ? × {channels}, not 1 × H × W × 3")
        offsets.append(start)
    return offsets


def fixed_shape(model: bytes, width: int, height: int) -> bytes:
    """The same model with its input fixed to 1 × height × width × 3."""
    if width <= 0 or height <= 0 or width % 32 or height % 32:
        raise ShapeError(f"{width}×{height}: MoveNet needs sides that are multiples of 32")
    buf = bytearray(model)
    for start in input_shape_offsets(buf):
        struct.pack_into("<4i", buf, start, 1, height, width, 3)
    return bytes(buf)
