"""The GPU backend: CuPy arrays on an NVIDIA GPU, behind the same interface as NumpyBackend.

Registered as the device `cuda` (also spelled `cuda:0`) the first time a program asks for it
(`lamina.cuda.is_available()`, `device="cuda"`, `.cuda()`), and only if CuPy imports and a GPU answers:
`import lamina` never initialises CUDA. Works with cupy-cuda12x and cupy-cuda13x (CuPy 13-14).

The ops reach the GPU through `xp` (cupy, NumPy's names over device arrays) and the kernel set: the
reference kernels (backend/kernels/reference/), written against the namespace of their inputs and held
to "no NumPy call on a device array" by the strict fake device of the tests. CuPy's memory pool keeps
freed activations for the next step; host copies go through pinned memory when a DataLoader pins them.

NOTE: one GPU per process (the current device, cuda:0): data-parallel training uses one process per GPU.
"""

from lamina.backend.counter_random import CounterStream, DrawsFromCounterStream
from lamina.backend.kernels import reference


class CupyBackend(DrawsFromCounterStream):  # random draws: counter_random.py (the state is two numbers)
    name = "cupy"
    kernels = reference

    def __init__(self, cupy):
        import cupyx.scipy.special

        self.xp = cupy
        self._special = self.special = cupyx.scipy.special  # special: as NumpyBackend.special (ops/special.py)
        self._scatter_add = cupyx.scatter_add
        self.stream = CounterStream(self._generator)

    def _generator(self, seed):
        cupy = self.xp
        return cupy.random.Generator(cupy.random.Philox4x3210(seed))

    # --- arrays ---
    def asarray(self, data, dtype=None):
        return self.xp.asarray(data, dtype=dtype)  # from the host: a copy to the device

    def to_numpy(self, array):
        return self.xp.asnumpy(array)  # waits for the device: a synchronisation

    def erf(self, x):
        return self._special.erf(x)

    def sigmoid(self, x):
        return self._special.expit(x)

    def matmul(self, a, b):
        return a @ b  # cuBLAS

    def broadcast_to(self, array, shape):
        return self.xp.broadcast_to(array, shape)

    def index_add(self, target, index, values):
        self._scatter_add(target, index, values)  # numpy.add.at's semantics: repeated indices add up

    def pin(self, array):
        """A host copy of a NumPy array in page-locked memory (copies from it to the GPU run at full speed)."""
        import numpy as np

        memory = self.xp.cuda.alloc_pinned_memory(array.nbytes)
        pinned = np.frombuffer(memory, array.dtype, array.size).reshape(array.shape)
        pinned[...] = array
        return pinned

    def is_pinned(self, array) -> bool:
        """Whether a NumPy array's memory is one that `pin` allocated (its chain of bases ends there)."""
        pinned_type = self.xp.cuda.PinnedMemoryPointer
        while array is not None:
            if isinstance(array, pinned_type):
                return True
            array = getattr(array, "base", None) if not isinstance(array, memoryview) else array.obj
        return False

    # --- what lamina doctor shows ---
    def describe(self) -> dict:
        cupy = self.xp
        runtime = cupy.cuda.runtime
        properties = runtime.getDeviceProperties(cupy.cuda.Device().id)
        free, total = runtime.memGetInfo()
        name = properties["name"]
        return {
            "gpu": name.decode() if isinstance(name, bytes) else str(name),
            "memory_gib": round(total / 2**30, 1),
            "free_gib": round(free / 2**30, 1),
            "cupy": cupy.__version__,
            "cuda_runtime": runtime.runtimeGetVersion(),
            "devices": runtime.getDeviceCount(),
        }


def load():
    """(CupyBackend, None) when CuPy imports and a GPU answers, else (None, why not)."""
    try:
        import cupy
    except ImportError as error:
        return None, f"CuPy is not installed ({error}); pip install 'lamina[cuda]'"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
        if count < 1:
            return None, "CuPy found no CUDA device"
        cupy.cuda.Device(0).use()
        return CupyBackend(cupy), None
    except Exception as error:  # CUDARuntimeError (no driver), ImportError of cupyx, a broken install
        return None, f"CuPy could not use a GPU: {type(error).__name__}: {error}"
