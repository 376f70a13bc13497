"""Theano's everyday names and module paths work, so user code ports with only the import
changed (`import minitheano as theano; from minitheano import tensor as T`)."""
import importlib

import numpy as np
import pytest

import minitheano as theano
from minitheano import tensor as T


def _need(module: str, name: str):
    """The attribute `name` of `module` (a missing one fails the test)."""
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("name,dtype,bc", [
    ("scalar", None, ()), ("vector", None, (False,)), ("matrix", None, (False, False)),
    ("row", None, (True, False)), ("col", None, (False, True)), ("tensor3", None, (False,) * 3),
    ("tensor4", None, (False,) * 4), ("fmatrix", "float32", (False, False)),
    ("dvector", "float64", (False,)), ("ivector", "int32", (False,)), ("lscalar", "int64", ()),
    ("bmatrix", "int8", (False, False)), ("wvector", "int16", (False,)),
    ("cvector", "complex64", (False,)), ("zmatrix", "complex128", (False, False)),
    ("frow", "float32", (True, False)), ("dcol", "float64", (False, True)),
    ("ftensor3", "float32", (False,) * 3), ("dtensor4", "float64", (False,) * 4)])
def test_constructors(name, dtype, bc):
    v = getattr(T, name)("v")
    assert v.name == "v" and v.dtype == (dtype or theano.config.floatX) and v.broadcastable == bc
    assert v.ndim == len(bc) and v.type == T.TensorType(v.dtype, bc)


def test_plural_constructors():
    a, b = T.dscalars("a", "b")
    assert (a.name, b.name, a.dtype, a.ndim) == ("a", "b", "float64", 0)
    m = T.dmatrices("x", "y", "z")
    assert [v.name for v in m] == ["x", "y", "z"] and all(v.ndim == 2 for v in m)
    assert len(T.fvectors(3)) == 3 and T.ivectors("i")[0].dtype == "int32"


def test_tensor_type_tensor_constant():
    x = T.TensorType("float32", (False, True))("x")
    assert x.type == T.fcol().type and x.name == "x"
    t = T.tensor("int32", (False, False, True), name="t")
    assert t.ndim == 3 and t.broadcastable == (False, False, True) and t.dtype == "int32"
    assert T.tensor(dtype="float64", shape=(None, 1)).broadcastable == (False, True)
    c = T.constant(np.arange(3.0), name="c")
    assert isinstance(c, T.TensorConstant) and c.name == "c"
    assert T.as_tensor_variable(2.0).ndim == 0 and T.as_tensor_variable(x) is x


def test_broadcast_helpers_and_abs_():
    m = T.dmatrix("m")
    assert T.addbroadcast(m, 1).broadcastable == (False, True)
    assert T.patternbroadcast(m, (True, False)).broadcastable == (True, False)
    assert T.abs_(m).owner.op.scalar_op.name == "abs" and abs(m).owner.op == T.abs_(m).owner.op


def test_eval_in_and_config():
    x = T.dvector("x")
    np.testing.assert_allclose((x * 2).eval({x: np.array([1.0, 2.0])}), [2.0, 4.0])
    s = T.dscalar("s")
    f = theano.function([x, theano.In(s, value=3.0)], x * s, mode="py")
    np.testing.assert_allclose(f(np.ones(2)), [3.0, 3.0])
    assert theano.config.floatX in ("float32", "float64")
    assert theano.compile.In is theano.In and theano.compile.function is theano.function
    assert theano.shared is T.shared and theano.grad is T.grad
    import minitheano.gradient
    assert minitheano.gradient.grad is T.grad and theano.tensor.verify_grad is theano.verify_grad


def test_printing_debugprint():
    debugprint = _need("minitheano.printing", "debugprint")
    from minitheano.printing import debugprint as imported
    assert imported is debugprint and theano.printing.debugprint is debugprint


def test_printing_pp_and_pydotprint():
    _need("minitheano.printing", "pp")
    _need("minitheano.printing", "pydotprint")


def test_compile_ops_as_op():
    as_op = _need("minitheano.compile.ops", "as_op")

    @as_op(itypes=[T.dvector], otypes=[T.dvector])
    def double(a):
        return a * 2

    x = T.dvector("x")
    np.testing.assert_allclose(theano.function([x], double(x), mode="py")(np.ones(2)), [2.0, 2.0])


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "relu", "softmax", "log_softmax",
                                  "categorical_crossentropy", "binary_crossentropy"])
def test_nnet_names(name):
    assert callable(_need("minitheano.tensor.nnet", name))


def test_config_flags_from_the_environment(monkeypatch):
    from minitheano.config import Config
    monkeypatch.setenv("MINITHEANO_FLAGS", "floatX=float32, mode=py,optimizer_verbose=true")
    cfg = Config()
    assert (cfg.floatX, cfg.mode, cfg.optimizer_verbose) == ("float32", "py", True)
    monkeypatch.setenv("MINITHEANO_FLAGS", "floatx=float32")
    with pytest.raises(ValueError, match="unknown flag 'floatx'"):
        Config()
    monkeypatch.setenv("MINITHEANO_FLAGS", "floatX=float16")
    with pytest.raises(ValueError, match="'float32' or 'float64'"):
        Config()
