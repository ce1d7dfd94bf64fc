"""The one switch for lamina's compiled C parts (setup.py's optional extensions).

`LAMINA_NATIVE=0` turns every C part off at once: apply.c (the op dispatch), operands.c (a binary op's
operand check), products.c (the convolutions' AVX-512 products) and small.c (kernels for small arrays); lamina
then runs the Python dispatch and NumPy/numba kernels those parts are tested against. The older per-part
switches (`LAMINA_NATIVE_APPLY=0`, `LAMINA_NATIVE_PRODUCTS=0`) still turn off their own parts.
"""

import os

_PART_SWITCHES = {
    "apply": "LAMINA_NATIVE_APPLY",
    "operands": "LAMINA_NATIVE_APPLY",
    "products": "LAMINA_NATIVE_PRODUCTS",
}


def enabled(part: str) -> bool:
    """Whether the C part `part` ('apply', 'operands', 'products' or 'small') may be loaded in this process."""
    if os.environ.get("LAMINA_NATIVE", "1") == "0":
        return False
    switch = _PART_SWITCHES.get(part)
    return switch is None or os.environ.get(switch, "1") != "0"
