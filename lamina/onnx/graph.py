"""GraphBuilder: ONNX nodes, constants and value names, built up one primitive at a time.

The symbolic functions (symbolic.py) speak to this and never to onnx.helper directly, so the names of
values, the constants' dtypes and the pruning of unused nodes are decided in one place.
"""

import numpy as np


class GraphBuilder:
    def __init__(self, onnx_module):
        self.onnx = onnx_module
        self.nodes = []
        self.initializers = {}  # name -> numpy array
        self._count = 0

    def fresh(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def node(self, op_type: str, inputs, outputs: int = 1, **attributes):
        """Add one node; returns its output name (or a list of names when outputs > 1)."""
        names = [self.fresh(op_type) for _ in range(outputs)]
        attributes = {key: value for key, value in attributes.items() if value is not None}
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), names, **attributes))
        return names[0] if outputs == 1 else names

    def constant(self, value, dtype=None, hint: str = "constant") -> str:
        """An initializer holding `value` (array or scalar), as `dtype` when given."""
        array = np.asarray(value, dtype=dtype)
        name = self.fresh(hint)
        self.initializers[name] = np.ascontiguousarray(array)
        return name

    def int64s(self, values) -> str:
        return self.constant(np.asarray(list(values), dtype=np.int64), hint="ints")

    def scalar_like(self, value, array_dtype) -> str:
        """A 0-d constant of the dtype of the tensor it meets (ONNX does not promote dtypes)."""
        return self.constant(np.asarray(value, dtype=array_dtype), hint="scalar")

    def needed_names(self, outputs) -> set:
        """Every value name the given outputs depend on (themselves included), walking the nodes backwards."""
        needed = set(outputs)
        for node in reversed(self.nodes):
            if any(name in needed for name in node.output):
                needed.update(name for name in node.input if name)
        return needed

    def model(self, graph_inputs, graph_outputs, named_arrays, opset: int, producer_version: str):
        """The ModelProto: nodes that the outputs need (the rest dropped), and the initializers they read."""
        helper = self.onnx.helper
        needed = self.needed_names(name for name, _ in graph_outputs)
        kept = [node for node in self.nodes if any(name in needed for name in node.output)]
        arrays = {**named_arrays, **self.initializers}
        initializers = [
            self.onnx.numpy_helper.from_array(np.ascontiguousarray(arrays[name]), name)
            for name in sorted(needed)
            if name in arrays
        ]
        inputs = [_value_info(helper, name, array) for name, array in graph_inputs]
        outputs = [_value_info(helper, name, array) for name, array in graph_outputs]
        graph = helper.make_graph(kept, "lamina", inputs, outputs, initializers)
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", opset)],
            producer_name="lamina",
            producer_version=producer_version,
        )
        model.ir_version = 8  # the IR of opset 17 (ONNX 1.12): what onnxruntime releases since 1.12 read
        return model


def _value_info(helper, name, array):
    element = helper.np_dtype_to_tensor_dtype(np.dtype(array.dtype))
    return helper.make_tensor_value_info(name, element, list(array.shape))
