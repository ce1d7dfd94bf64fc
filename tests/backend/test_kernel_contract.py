"""Every kernel set offers the kernels of the contract (lamina/backend/kernels/contract.py) with its
arguments: the reference, the compiled package, and small.py's served functions; and the compiled set
offers nothing public beyond the contract (a kernel outside it would be one the other backends lack)."""

import inspect

import pytest

from lamina.backend.kernels import contract, reference, small


def _arguments(function):
    return list(inspect.signature(function).parameters)


def _contract_arguments(name):
    return _arguments(getattr(contract.KernelSet, name))[1:]  # without self


def test_the_contract_lists_the_kernels():
    assert len(contract.KERNELS) == len(set(contract.KERNELS)) >= 30
    assert "conv2d_forward" in contract.KERNELS and "adam_step" in contract.KERNELS


@pytest.mark.parametrize("name", contract.KERNELS)
def test_the_reference_offers_each_kernel_with_its_arguments(name):
    assert name in vars(reference), f"the reference kernels lack {name}"
    assert _arguments(getattr(reference, name)) == _contract_arguments(name)


@pytest.mark.parametrize("name", contract.KERNELS)
def test_the_compiled_set_offers_each_kernel_with_its_arguments(name):
    compiled = pytest.importorskip("lamina.backend.kernels.compiled", reason="numba is not installed")
    kernel = getattr(compiled, name)  # its own, or the reference's through the package's __getattr__
    arguments = _arguments(kernel)
    assert arguments == _contract_arguments(name), f"compiled.{name}{arguments}"


@pytest.mark.parametrize("name", small.SERVED)
def test_the_small_array_kernels_keep_the_contract(name):
    assert name in contract.KERNELS
    assert _arguments(getattr(small, name)) == _contract_arguments(name)  # (C functions: their docstring's)


def test_the_compiled_set_has_no_public_kernel_outside_the_contract():
    compiled = pytest.importorskip("lamina.backend.kernels.compiled", reason="numba is not installed")
    public = {
        name
        for name, value in vars(compiled).items()
        if callable(value) and not name.startswith("_") and not inspect.ismodule(value)
    }
    helpers = {"describe", "relu_beyond_small", "adam_step_beyond_small", "sgd_momentum_step_beyond_small"}
    assert public - helpers <= set(contract.KERNELS), public - helpers - set(contract.KERNELS)
