"""lamina.onnx: a trained model out to ONNX, to run in onnxruntime or any other ONNX runtime.

    lamina.onnx.export(model, example_input, "model.onnx")

trace.py records the primitives a forward pass applies, symbolic.py translates each into ONNX nodes,
graph.py assembles the file, export.py ties them together and checks the result runs as the model does.
Needs the onnx extra: pip install 'lamina[onnx]'.
"""

from lamina.onnx.export import OPSET, OnnxExportError, export

__all__ = ["OPSET", "OnnxExportError", "export"]
