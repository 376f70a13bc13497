"""Write the notebooks from the cell lists below and execute them, storing real outputs.

    python notebooks/build.py                 # every notebook
    python notebooks/build.py 01 03           # only those whose name starts so

Each notebook is a list of ("md" | "code", text) cells, written in the package's order (STYLE.md
point 14) with the public API only. Notebooks run one at a time (the machine has 2 cores), in a
scratch directory, so the pictures `pydotprint` writes do not land in the repository.
"""
from __future__ import annotations

import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def md(text: str) -> tuple[str, str]:
    return ("md", textwrap.dedent(text).strip("\n"))


def code(text: str) -> tuple[str, str]:
    return ("code", textwrap.dedent(text).strip("\n"))


# --------------------------------------------------------------------------------------------
INTRO = [
    md("""
    # Introduction to minitheano

    A hands-on first tour, following the flow of the classic Theano introduction (the
    summer-school notebook by mila-udem): build a symbolic expression, look at it, compile it,
    run it, rewrite it, differentiate it, keep state in shared variables, and add an operation
    written in plain numpy. Theano code runs with only the import changed, so the cells below
    read exactly like Theano code.

    ## Defining an expression

    Nothing is computed here: `x`, `W` and `b` are symbolic placeholders with a type (a float
    vector, a float matrix, a float vector), and each operation on them records a new node.
    """),
    code("""
    import minitheano as theano
    from minitheano import tensor as T

    x = T.vector('x')
    W = T.matrix('W')
    b = T.vector('b')
    """),
    code("""
    dot = T.dot(x, W)
    out = T.nnet.sigmoid(dot + b)
    """),
    md("""
    ### Looking at the graph

    `debugprint` prints a graph as an indented tree: each line is a variable, either the
    result of an operation (with the operation's name) or an input (with its name). `[id A]`
    is a short label, so that a variable used twice can be recognised.
    """),
    code("""
    from minitheano.printing import debugprint
    debugprint(dot)
    """),
    code("debugprint(out)"),
    md("""
    ## Compiling a function

    `theano.function(inputs, outputs)` turns a graph into a callable. It copies the graph,
    rewrites it (simpler, faster and numerically safer forms of the same computation) and
    compiles the result. Several outputs may share work: `h` computes `dot` once for both of
    its outputs.
    """),
    code("""
    f = theano.function(inputs=[x, W], outputs=dot)
    g = theano.function([x, W, b], out)
    h = theano.function([x, W, b], [dot, out])
    i = theano.function([x, W, b], [dot + b, out])
    """),
    md("""
    ### What a compiled function runs

    `debugprint` of a compiled function shows the graph after rewriting, which is the one that
    actually runs; the number at the end of each operation's line is its position in the
    execution order.

    In `f`, the vector-matrix product became one BLAS call, `Gemv`, which computes
    `beta*y + alpha*A·x` from its five inputs `y, alpha, A, x, beta`. Here `A` is `W.T`, a
    transposed *view* of `W` (no copy), `y` is a fresh uninitialised buffer (`AllocEmpty`)
    with `beta = 0`, and `{inplace}` says that Gemv writes its result into that buffer.
    """),
    code("debugprint(f)"),
    md("""
    In `g`, the bias `b` plays the part of `y` with `beta = 1`, so adding it costs nothing.
    This Gemv is `no_inplace`: `b` is the caller's array and must not be overwritten. The
    sigmoid, however, may overwrite the Gemv result, which nobody else reads: `[(0, 0)]` means
    "output 0 is written over input 0".
    """),
    code("debugprint(g)"),
    md("""
    `pydotprint` draws the same graph with graphviz. Inputs are green, outputs blue,
    constants grey; boxes are operations. An operation that overwrites one of its inputs has
    a red border and a red edge from that input; a dashed edge marks a view. The picture is
    written to a file (here in SVG), which `IPython.display.SVG` shows inline.
    """),
    code("""
    from minitheano.printing import pydotprint
    pydotprint(f, outfile='pydotprint_f.svg', format='svg')
    """),
    code("""
    from IPython.display import SVG
    SVG('pydotprint_f.svg')
    """),
    code("""
    pydotprint(g, outfile='pydotprint_g.svg', format='svg')
    SVG('pydotprint_g.svg')
    """),
    code("""
    pydotprint(h, outfile='pydotprint_h.svg', format='svg')
    SVG('pydotprint_h.svg')
    """),
    md("""
    ## Calling a function

    Compiled functions take numpy arrays (or anything numpy can turn into one) and return
    numpy arrays: one array for a single output, a list for a list of outputs. The seed makes
    the numbers reproducible.
    """),
    code("""
    import numpy as np
    np.random.seed(42)
    W_val = np.random.randn(4, 3)
    x_val = np.random.rand(4)
    b_val = np.ones(3)

    f(x_val, W_val)
    """),
    code("g(x_val, W_val, b_val)"),
    code("h(x_val, W_val, b_val)"),
    code("i(x_val, W_val, b_val)"),
    md("""
    The numbers are the ones numpy gives for the same formulas:
    """),
    code("""
    np.allclose(f(x_val, W_val), x_val @ W_val), \\
        np.allclose(g(x_val, W_val, b_val), 1 / (1 + np.exp(-(x_val @ W_val + b_val))))
    """),
    md("""
    # The graph and its types

    ## Graph structure

    With `compact=False`, `pydotprint` also draws the intermediate variables, the ellipses
    between operations: a graph alternates variables and applications of operations.
    """),
    code("""
    pydotprint(f, compact=False, outfile='pydotprint_f_notcompact.svg', format='svg')
    SVG('pydotprint_f_notcompact.svg')
    """),
    md("""
    ## Strong typing and broadcasting

    A tensor type fixes the number of dimensions, the dtype and, for each dimension, whether
    it is *broadcastable*: statically of length 1, so that it stretches to match the other
    operand. A `row` is a matrix with one row, a `col` a matrix with one column.
    """),
    code("""
    r = T.row('r')
    print(r.broadcastable)
    """),
    code("""
    c = T.col('c')
    print(c.broadcastable)
    """),
    md("Adding a row and a column gives the full table of sums, as in numpy:"),
    code("""
    f = theano.function([r, c], r + c)
    print(f([[1, 2, 3]], [[.1], [.2]]))
    """),
    md("""
    # Transforming graphs

    ## Substitution and cloning

    ### `givens`: substitute at compile time

    `givens` replaces a variable of the graph by another expression while compiling, without
    touching the original graph. Here the input `x` of `dot` is replaced by a normalised
    version of a new input `x_`.
    """),
    code("""
    x_ = T.vector('x_')
    x_n = (x_ - x_.mean()) / x_.std()
    f_n = theano.function([x_, W], dot, givens={x: x_n})
    f_n(x_val, W_val)
    """),
    md("""
    ### `clone` with `replace`: a new graph

    `theano.clone` builds a copy of the graph with the substitution made, and returns new
    variables; the original `dot` and `out` stay as they were. Compiling the copy gives the
    same numbers as `givens` did.
    """),
    code("""
    dot_n, out_n = theano.clone([dot, out], replace={x: (x - x.mean()) / x.std()})
    f_n = theano.function([x, W], dot_n)
    f_n(x_val, W_val)
    """),
    md("""
    ## Gradients

    ### `theano.grad`

    `theano.grad(cost, wrt)` returns the gradient as another symbolic expression, built by
    walking the graph backwards from a scalar cost (reverse mode). Asking for several
    variables at once shares the backward work.
    """),
    code("""
    y = T.vector('y')
    C = ((out - y) ** 2).sum()
    dC_dW = theano.grad(C, W)
    dC_db = theano.grad(C, b)
    # or both at once: dC_dW, dC_db = theano.grad(C, [W, b])
    """),
    md("""
    ### Using the gradients

    Gradient expressions compile like any other output. A function can return the cost with
    its gradients, or directly the parameters after one step of gradient descent.
    """),
    code("""
    cost_and_grads = theano.function([x, W, b, y], [C, dC_dW, dC_db])
    y_val = np.random.uniform(size=3)
    print(cost_and_grads(x_val, W_val, b_val, y_val))
    """),
    code("""
    upd_W = W - 0.1 * dC_dW
    upd_b = b - 0.1 * dC_db
    cost_and_upd = theano.function([x, W, b, y], [C, upd_W, upd_b])
    print(cost_and_upd(x_val, W_val, b_val, y_val))
    """),
    md("""
    The compiled graph of `cost_and_upd` holds the forward pass, the backward pass and the
    update arithmetic together:
    """),
    code("""
    pydotprint(cost_and_upd, outfile='pydotprint_cost_and_upd.svg', format='svg')
    SVG('pydotprint_cost_and_upd.svg')
    """),
    md("""
    # Shared variables

    ## Updating values by hand

    With ordinary inputs, the parameters travel back and forth between Python and the
    function at every step; either by applying the gradients in numpy, or by reading the new
    values that `cost_and_upd` returns:
    """),
    code("""
    C_val, dC_dW_val, dC_db_val = cost_and_grads(x_val, W_val, b_val, y_val)
    W_val -= 0.1 * dC_dW_val
    b_val -= 0.1 * dC_db_val

    C_val, W_val, b_val = cost_and_upd(x_val, W_val, b_val, y_val)
    """),
    md("""
    ## Shared variables

    A shared variable is a symbolic variable that also holds a value. Functions that use it
    read that value implicitly: it is not among their arguments.
    """),
    code("""
    x = T.vector('x')
    y = T.vector('y')
    W = theano.shared(W_val)
    b = theano.shared(b_val)
    dot = T.dot(x, W)
    out = T.nnet.sigmoid(dot + b)
    f = theano.function([x], dot)  # W is an implicit input
    g = theano.function([x], out)  # W and b are implicit inputs
    print(f(x_val))
    """),
    code("print(g(x_val))"),
    md("""
    ## Updating shared variables

    `updates` lists pairs `(shared variable, new value expression)`. After each call, every
    new value is stored into its shared variable. All new values are computed first, from the
    old ones, and stored together, so the order of the pairs does not matter.
    """),
    code("""
    C = ((out - y) ** 2).sum()
    dC_dW, dC_db = theano.grad(C, [W, b])
    upd_W = W - 0.1 * dC_dW
    upd_b = b - 0.1 * dC_db

    cost_and_perform_updates = theano.function(
        inputs=[x, y],
        outputs=C,
        updates=[(W, upd_W),
                 (b, upd_b)])
    """),
    md("""
    In the picture, the shared variables are gold cylinders, and a dashed edge labelled
    "update" leads from each new value to the variable it overwrites.
    """),
    code("""
    pydotprint(cost_and_perform_updates, outfile='pydotprint_cost_and_perform_updates.svg', format='svg')
    SVG('pydotprint_cost_and_perform_updates.svg')
    """),
    md("""
    Each call now takes a gradient step on the stored parameters; the cost goes down and the
    parameters never leave the function:
    """),
    code("""
    for step in range(5):
        print(step, cost_and_perform_updates(x_val, y_val))
    print(b.get_value())
    """),
    md("""
    # Extending minitheano

    ## The easy way: a numpy function as an operation

    `as_op` wraps a numpy function into an operation with declared input and output types.
    `infer_shape` (optional) tells the compiler the output's shape without running the
    function. Such an operation runs its Python function as is; it has no gradient unless one
    is given.
    """),
    code("""
    import numpy
    from minitheano.compile.ops import as_op

    def infer_shape_numpy_dot(node, input_shapes):
        ashp, bshp = input_shapes
        return [ashp[:-1] + bshp[-1:]]

    @as_op(itypes=[theano.tensor.fmatrix, theano.tensor.fmatrix],
           otypes=[theano.tensor.fmatrix], infer_shape=infer_shape_numpy_dot)
    def numpy_dot(a, b):
        return numpy.dot(a, b)
    """),
    md("The new operation is used like any other:"),
    code("""
    A = T.fmatrix('A')
    B = T.fmatrix('B')
    f_dot = theano.function([A, B], numpy_dot(A, B) + 1)
    a_val = np.arange(6, dtype='float32').reshape(2, 3)
    b_val = np.ones((3, 2), dtype='float32')
    f_dot(a_val, b_val)
    """),
]


# --------------------------------------------------------------------------------------------
GRAPHS = [
    md("""
    # Graphs and gradients

    What a minitheano expression is made of, and how `grad` differentiates it: variables and
    Apply nodes, printing, evaluating, gradients of one or many variables, second derivatives,
    and `verify_grad`, which checks a gradient against finite differences.
    """),
    code("""
    import numpy as np
    import minitheano as theano
    from minitheano import tensor as T
    from minitheano.printing import debugprint, pp
    """),
    md("""
    ## Variables, Apply nodes and Ops

    A graph has two kinds of nodes. A *variable* stands for a value; it has a type and, if an
    operation computed it, an `owner`. The owner is an *Apply node*: one application of an
    *Op* (the operation itself, such as `add` or `exp`) to a list of input variables, giving a
    list of output variables. Inputs such as `x` have no owner.
    """),
    code("""
    x = T.dvector('x')
    y = T.exp(x) * 2 + x

    node = y.owner
    print('op:     ', node.op)
    print('inputs: ', node.inputs)
    print('outputs:', node.outputs)
    print('x.owner:', x.owner)
    """),
    md("""
    Every variable has a type: the dtype, the number of dimensions, and which dimensions are
    broadcastable. The Python number `2` became a constant; to multiply it with a vector, it
    was given a broadcastable dimension by a `DimShuffle{x}`.
    """),
    code("""
    mul_node = node.inputs[0].owner
    print(mul_node.op, mul_node.inputs)
    two = mul_node.inputs[1].owner.inputs[0]
    print(repr(two), two.type, '->', mul_node.inputs[1].type)
    print(x.type, x.dtype, x.ndim, x.broadcastable)
    """),
    md("""
    ## Printing and evaluating

    `pp` writes a graph as one formula; `debugprint` as a tree. `eval` computes a variable
    for given input values, handy for quick checks (it compiles a function behind the scenes
    and keeps it for the next call).
    """),
    code("print(pp(y))"),
    code("debugprint(y)"),
    code("y.eval({x: np.array([0.0, 1.0, 2.0])})"),
    md("""
    A graph is a DAG, not a tree: a variable used twice is one node. `debugprint` gives it
    one id and prints its subtree only the first time.
    """),
    code("""
    u = T.tanh(x)
    debugprint(u * u + u)
    """),
    md("""
    ## Gradients

    `theano.grad(cost, wrt)` walks the graph backwards from a scalar cost and builds the
    gradient as a new graph, made of the same kind of operations. Here
    $c = \\sum_i \\tanh(x_i)^2$, whose gradient is $2 \\tanh(x) (1 - \\tanh(x)^2)$.
    """),
    code("""
    c = (T.tanh(x) ** 2).sum()
    gx = theano.grad(c, x)
    print(pp(gx))
    """),
    code("""
    x_val = np.array([-1.0, 0.0, 0.5, 2.0])
    t = np.tanh(x_val)
    print(gx.eval({x: x_val}))
    print(2 * t * (1 - t ** 2))
    """),
    md("""
    The raw gradient graph is verbose (it allocates a vector of ones, raises to the power
    `2 - 1`, ...). That is fine: compiling it rewrites it into something lean, the subject of
    the next notebook.

    ### Several variables, and a logistic regression

    `grad` takes a list of variables and returns a list of gradients, sharing the backward
    pass. With shared variables and `updates`, that is all a training loop needs. Here a
    logistic regression separates two Gaussian clouds.
    """),
    code("""
    rng = np.random.default_rng(0)
    n = 200
    X_val = np.concatenate([rng.normal(-1, 1, (n // 2, 2)), rng.normal(1, 1, (n // 2, 2))])
    y_val = np.concatenate([np.zeros(n // 2), np.ones(n // 2)])

    X = T.dmatrix('X')
    t = T.dvector('t')
    w = theano.shared(np.zeros(2), name='w')
    b = theano.shared(0.0, name='b')
    p = T.nnet.sigmoid(T.dot(X, w) + b)                 # probability of class 1
    loss = T.nnet.binary_crossentropy(p, t).mean()
    gw, gb = theano.grad(loss, [w, b])
    train = theano.function([X, t], loss, updates=[(w, w - 0.5 * gw), (b, b - 0.5 * gb)])
    accuracy = theano.function([X, t], T.eq(p > 0.5, t).mean())

    for epoch in range(101):
        value = train(X_val, y_val)
        if epoch % 20 == 0:
            print(f'epoch {epoch:3d}  loss {value:.4f}')
    print('w =', w.get_value(), ' b =', b.get_value(), ' accuracy =', accuracy(X_val, y_val))
    """),
    md("""
    ### What `grad` refuses, and the options

    The cost must be a scalar; a variable the cost does not depend on is an error unless
    asked for; `consider_constant` treats an expression as a constant (its gradient is not
    followed), as a "stop gradient" does.
    """),
    code("""
    try:
        theano.grad(T.tanh(x), x)
    except TypeError as e:
        print('TypeError:', e)
    """),
    code("""
    z = T.dvector('z')
    try:
        theano.grad(c, z)
    except Exception as e:
        print(type(e).__name__ + ':', e)
    theano.grad(c, z, disconnected_inputs='ignore').eval({z: np.ones(4)})
    """),
    code("""
    s = T.tanh(x)
    d = (s * x).sum()
    full = theano.grad(d, x)                                  # tanh(x) + x * (1 - tanh(x)**2)
    frozen = theano.grad(d, x, consider_constant=[s])         # tanh(x) only
    print(full.eval({x: x_val}))
    print(frozen.eval({x: x_val}), np.tanh(x_val))
    """),
    md("""
    ## Second derivatives

    A gradient is a graph like any other, so it can be differentiated again. `jacobian` and
    `hessian` build one gradient per element of a vector; minitheano unrolls them, so it
    must know the vector's length when building the graph. For a plain input, a *test value*
    gives it. (Theano built a `scan` loop instead, whose length is only known at run time;
    notebook 04 writes that loop by hand.)
    """),
    code("""
    v = T.dvector('v')
    v.tag.test_value = np.zeros(3)
    f_poly = (v ** 3).sum() + v[0] * v[1]
    H = theano.gradient.hessian(f_poly, v)
    J = theano.gradient.jacobian(v ** 2, v)
    h_fn = theano.function([v], [J, H])
    J_val, H_val = h_fn(np.array([1.0, 2.0, 3.0]))
    print(J_val)
    print(H_val)
    """),
    md("""
    ## Checking gradients with `verify_grad`

    `verify_grad(fn, points)` builds `fn` on symbolic inputs, projects its output on a random
    direction to a scalar, and compares the symbolic gradient at `points` with central finite
    differences. It returns nothing when they agree and raises when they do not.
    """),
    code("""
    rng = np.random.RandomState(42)
    A_val, B_val = rng.randn(3, 4), rng.randn(4, 2)
    theano.gradient.verify_grad(lambda A, B: T.tanh(T.dot(A, B)) ** 2, [A_val, B_val], rng=rng)
    theano.gradient.verify_grad(lambda A: T.nnet.softmax(A), [A_val], rng=rng)
    print('both gradients agree with finite differences')
    """),
    md("""
    It earns its keep on hand-written gradients. An operation built with `as_op` may come
    with a gradient; here $\\frac{d}{da} a^3$ is given wrongly as $3a$ instead of $3a^2$:
    """),
    code("""
    from minitheano.compile.ops import as_op

    @as_op(itypes=[T.dvector], otypes=[T.dvector],
           grad=lambda inputs, output_grads: [output_grads[0] * 3 * inputs[0]])  # wrong
    def cube(a):
        return a ** 3

    try:
        theano.gradient.verify_grad(cube, [np.array([1.0, 2.0, 3.0])], rng=rng)
    except theano.gradient.GradientError as e:
        print(e)
    """),
]

# --------------------------------------------------------------------------------------------
COMPILER = [
    md("""
    # Rewrites and Numba: what `theano.function` does

    `theano.function(inputs, outputs)` copies the graph, *rewrites* it in a fixed series of
    phases (canonicalise, stabilise, specialise, fuse, make inplace) and *links* the result:
    by default the whole rewritten graph becomes one generated Python function compiled by
    Numba, cached on disk. This notebook looks at each step on small graphs, then times a few
    of them against numpy.
    """),
    code("""
    import tempfile
    import timeit

    import numpy as np
    import minitheano as theano
    from minitheano import tensor as T
    from minitheano.printing import debugprint
    """),
    md("""
    ## Before and after

    `Mode(optimizer=None)` compiles a graph as written; the default mode rewrites it first.
    The logistic layer of the intro notebook, both ways:
    """),
    code("""
    x = T.dvector('x')
    W = T.dmatrix('W')
    b = T.dvector('b')
    out = T.nnet.sigmoid(T.dot(x, W) + b)

    as_written = theano.function([x, W, b], out, mode=theano.Mode(optimizer=None))
    debugprint(as_written)
    """),
    code("""
    g = theano.function([x, W, b], out)
    debugprint(g)
    """),
    md("""
    The product and the bias became one `Gemv` (`beta*y + alpha*A·x`, with `y = b`), and the
    sigmoid overwrites the Gemv's fresh result instead of allocating another vector
    (`[(0, 0)]`: output 0 is written over input 0).

    ## Watching the rewrites

    With `config.optimizer_verbose` set, each rewrite says what it replaced. Stabilisation is
    one of the phases: `log(sigmoid(x))` underflows to `log(0) = -inf` for very negative `x`,
    so it is rewritten to `-softplus(-x)`, and fusion then merges the three elementwise
    operations into one.
    """),
    code("""
    theano.config.optimizer_verbose = True
    log_sig = theano.function([x], T.log(T.nnet.sigmoid(x)))
    theano.config.optimizer_verbose = False
    debugprint(log_sig)
    """),
    code("""
    naive = theano.function([x], T.log(T.nnet.sigmoid(x)),
                            mode=theano.Mode(linker='py', optimizer=None))
    points = np.array([-800.0, -1.0, 0.0, 800.0])
    with np.errstate(divide='ignore'):
        print('as written:', naive(points))
    print('rewritten: ', log_sig(points))
    """),
    md("""
    The gradient goes through the same rewrites, so it stays finite too:
    """),
    code("""
    d_log_sig = theano.function([x], theano.grad(T.log(T.nnet.sigmoid(x)).sum(), x))
    d_log_sig(points)   # 1 - sigmoid(x)
    """),
    md("""
    ## Elementwise fusion

    A chain of elementwise operations becomes one operation holding a small scalar formula
    (a `Composite`): one loop over the data, no temporary arrays. `debugprint` prints the
    formula under *Inner graphs*. Excluding the `fusion` rewrite shows the chain it replaced,
    where each step already overwrites its input's buffer where that is safe.
    """),
    code("""
    chain = T.exp(-x ** 2) * T.sin(x) + T.tanh(x) / (1 + abs(x))
    fused = theano.function([x], chain)
    debugprint(fused)
    """),
    code("""
    unfused = theano.function([x], chain, mode=theano.Mode().excluding('fusion'))
    debugprint(unfused)
    """),
    md("""
    ## BLAS and inplace in a training step

    `alpha * dot(A, v) + beta * y` is exactly one `Gemv` call, and a matrix product plus a
    matrix is one `Gemm`. In a training step, the weight update `W - lr * dot(X.T, delta)`
    is a Gemm that writes straight into `W`'s own storage: a shared variable may be
    overwritten by its own update, never by anything else, and arrays the caller passed are
    never overwritten.
    """),
    code("""
    A, v, y = T.dmatrix('A'), T.dvector('v'), T.dvector('y')
    debugprint(theano.function([A, v, y], 2.0 * T.dot(A, v) + 3.0 * y))
    """),
    code("""
    X, t = T.dmatrix('X'), T.dmatrix('t')
    W1 = theano.shared(np.zeros((3, 2)), name='W1')
    b1 = theano.shared(np.zeros(2), name='b1')
    cost = ((T.tanh(T.dot(X, W1) + b1) - t) ** 2).mean()
    gW1, gb1 = theano.grad(cost, [W1, b1])
    train = theano.function([X, t], cost, updates=[(W1, W1 - 0.1 * gW1), (b1, b1 - 0.1 * gb1)])
    debugprint(train)
    """),
    code("""
    rng = np.random.default_rng(0)
    X_val, t_val = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    X_copy, t_copy = X_val.copy(), t_val.copy()
    for _ in range(3):
        print(train(X_val, t_val))
    print('inputs unchanged:', np.array_equal(X_val, X_copy) and np.array_equal(t_val, t_copy))
    """),
    md("""
    ## The generated Numba code

    The Numba linker writes the whole rewritten graph as one Python function, compiled with
    `numba.njit`: a call into a compiled function is one dispatch, however many nodes the graph
    has. `dump_source()` shows that code. The fused chain is one loop with the formula
    written out; the constant `1` was inlined.
    """),
    code("print(fused.dump_source())"),
    md("The logistic layer calls BLAS for the Gemv, then runs the sigmoid loop in place:"),
    code("print(g.dump_source())"),
    md("""
    ## Compiling once

    Numba compiles the generated code the first time it sees a graph, and caches the result
    on disk, keyed by a hash of the generated source (which spells out the rewritten graph
    and its types) and of the minitheano, Numba and Python versions; the directory is
    `config.cache_dir`, or the environment variable `MINITHEANO_CACHE_DIR`. To see the cache
    at work, the same small script (build a two-layer network's training step, call it once)
    runs twice in fresh Python processes sharing a new, empty cache directory: the first
    process compiles, the second finds the code on disk.
    """),
    code("""
    import os
    import subprocess
    import sys

    script = '''
    import time
    import numpy as np
    import minitheano as theano
    from minitheano import tensor as T
    X, t = T.dmatrix('X'), T.dmatrix('t')
    rng = np.random.default_rng(0)
    W1 = theano.shared(rng.standard_normal((3, 8)), name='W1')
    W2 = theano.shared(rng.standard_normal((8, 2)), name='W2')
    cost = ((T.dot(T.nnet.relu(T.dot(X, W1)), W2) - t) ** 2).mean()
    grads = theano.grad(cost, [W1, W2])
    start = time.perf_counter()
    step = theano.function([X, t], cost, updates=[(W1, W1 - 0.1 * grads[0]),
                                                  (W2, W2 - 0.1 * grads[1])])
    print(f"compile {time.perf_counter() - start:.3f} s, cost {step(np.ones((4, 3)), np.ones((4, 2))):.4f}")
    '''
    env = dict(os.environ, MINITHEANO_CACHE_DIR=tempfile.mkdtemp(prefix='minitheano-cache-'))
    for process in ('first process: ', 'second process:'):
        result = subprocess.run([sys.executable, '-c', script], env=env,
                                capture_output=True, text=True, check=True)
        print(process, result.stdout.strip())
    """),
    md("""
    ## A small timing against numpy

    Three workloads, each also written directly in numpy (the best of several runs; the
    machine may be busy, so the ratio matters more than the absolute times). Fusion wins
    when the work is memory traffic: numpy writes a temporary array per operation, the fused
    loop none. Transcendental functions are another matter: numpy's `exp`, `sin` and `tanh`
    are vectorised (SIMD), while a compiled loop calls the scalar maths library once per
    element.
    """),
    code("""
    def best(fn, number):
        return min(timeit.repeat(fn, number=number, repeat=5)) / number

    rng = np.random.default_rng(0)
    a, c, d = T.dvectors('a', 'c', 'd')
    cheap = theano.function([a, c, d], a * c + d * d - a / 2)
    a_val, c_val, d_val = rng.standard_normal((3, 1_000_000))
    x_big = rng.standard_normal(1_000_000)
    x100, W100, b100 = rng.standard_normal(100), rng.standard_normal((100, 100)), rng.standard_normal(100)

    rows = [
        ('a*c + d*d - a/2, 1e6', 20, lambda: cheap(a_val, c_val, d_val),
         lambda: a_val * c_val + d_val * d_val - a_val / 2),
        ('sigmoid(dot(x, W) + b), N=100', 20000, lambda: g(x100, W100, b100),
         lambda: 1 / (1 + np.exp(-(x100 @ W100 + b100)))),
        ('exp(-x**2)*sin(x) + tanh(x)/(1+|x|), 1e6', 10, lambda: fused(x_big),
         lambda: np.exp(-x_big ** 2) * np.sin(x_big) + np.tanh(x_big) / (1 + np.abs(x_big))),
    ]
    print(f"{'workload':42s} {'minitheano':>12s} {'numpy':>12s} {'ratio':>6s}")
    for name, number, ours, theirs in rows:
        assert np.allclose(ours(), theirs())
        t_ours, t_np = best(ours, number), best(theirs, number)
        print(f'{name:42s} {t_ours * 1e6:10.1f}us {t_np * 1e6:10.1f}us {t_ours / t_np:6.2f}')
    """),
]

# --------------------------------------------------------------------------------------------
SCAN = [
    md("""
    # Loops with `scan`, and training a recurrent model

    `theano.scan` writes a loop as a graph: a *step function* is called once on symbolic
    placeholders to build the loop body, and the whole loop becomes one operation (`for`) in
    the outer graph. It can therefore be rewritten, compiled (the loop runs inside the
    generated Numba code) and differentiated (backpropagation through time) like any other
    operation. This notebook goes through the classic Theano loop examples, the gradient of a
    small recurrent network, and trains the binary-addition RNN of `minitheano.models`.
    """),
    code("""
    import numpy as np
    import matplotlib.pyplot as plt
    import minitheano as theano
    from minitheano import tensor as T
    from minitheano.printing import debugprint
    """),
    md("""
    ## A first loop: cumulative sum

    The step function receives, in order, the current element of each *sequence*, the
    previous value of each fed-back output (its initial value comes from `outputs_info`),
    then the *non-sequences*. `scan` returns the outputs of all steps, stacked, and a
    dictionary of updates (empty here).
    """),
    code("""
    x = T.dvector('x')
    partial_sums, updates = theano.scan(lambda x_t, total: total + x_t,
                                        sequences=x, outputs_info=T.constant(0.0))
    cumsum = theano.function([x], partial_sums)
    cumsum(np.arange(1.0, 6.0))
    """),
    md("""
    In `debugprint`, the loop is one node, `for{cpu,scan_fn}`, whose inputs are the number
    of steps, the sequence and the initial state; its body is printed under *Inner graphs*,
    where `x[t]` is the current element.
    """),
    code("debugprint(cumsum)"),
    md("""
    ## The classic examples

    A symbolic number of steps, `n_steps`, and a non-sequence: `A` raised elementwise to the
    power `k` by repeated multiplication. Only the last step is needed, and the compiled loop
    keeps only that one instead of the whole history.
    """),
    code("""
    A = T.dmatrix('A')
    k = T.iscalar('k')
    powers, _ = theano.scan(lambda previous, A: previous * A,
                            outputs_info=T.ones_like(A), non_sequences=A, n_steps=k)
    power = theano.function([A, k], powers[-1])
    power(np.array([[1.0, 2.0], [3.0, 4.0]]), 3)
    """),
    md("""
    The compiled graph has no `[-1]` left: the loop itself now outputs its last state, and
    the multiplication in its body overwrites the state buffer in place.
    """),
    code("debugprint(power)"),
    md("""
    Two sequences at once: the terms $c_i z^i$ of a polynomial, from its coefficients and the
    exponents `0, 1, 2, ...`; here $1 + 0 \\cdot 3 + 2 \\cdot 3^2 = 19$.
    """),
    code("""
    coefficients = T.dvector('coefficients')
    z = T.dscalar('z')
    terms, _ = theano.scan(lambda c, i, z: c * z ** i,
                           sequences=[coefficients, T.arange(coefficients.shape[0])],
                           non_sequences=z)
    polynomial = theano.function([coefficients, z], terms.sum())
    polynomial(np.array([1.0, 0.0, 2.0]), 3.0)
    """),
    md("""
    Taps reach further back: with `taps=[-2, -1]` the step sees the two previous values,
    and the initial value holds the two values before the first step.
    """),
    code("""
    first_two = T.dvector('first_two')
    fibonacci, _ = theano.scan(lambda before_last, last: before_last + last,
                               outputs_info=dict(initial=first_two, taps=[-2, -1]), n_steps=10)
    theano.function([first_two], fibonacci)(np.array([0.0, 1.0]))
    """),
    md("""
    A step may also return updates for shared variables; `scan` hands them back, to be
    passed to `function`. Here a shared counter counts the steps:
    """),
    code("""
    count = theano.shared(0, name='count')

    def double_and_count(x_t):
        return 2 * x_t, {count: count + 1}

    doubled, count_updates = theano.scan(double_and_count, sequences=x)
    double = theano.function([x], doubled, updates=count_updates)
    print(double(np.arange(4.0)), count.get_value())
    print(double(np.arange(3.0)), count.get_value())
    """),
    md("""
    ## Gradients through a loop

    `grad` differentiates through `scan` by backpropagation through time: the gradient is a
    second loop that walks the steps in reverse. A small tanh RNN,
    $h_t = \\tanh(x_t U + h_{t-1} W)$, shows it. In the compiled forward pass, the input
    products $x_t U$ of all steps were moved out of the loop into one matrix product (`Gemm`),
    and only $h_{t-1} W$ (a `Gemv`) is left in the body.
    """),
    code("""
    X = T.dmatrix('X')        # one row per time step
    h0 = T.dvector('h0')
    W = T.dmatrix('W')
    U = T.dmatrix('U')

    def rnn(X, h0, W, U):
        hs, _ = theano.scan(lambda x_t, h, W, U: T.tanh(T.dot(x_t, U) + T.dot(h, W)),
                            sequences=X, outputs_info=h0, non_sequences=[W, U], name='rnn')
        return hs

    hs = rnn(X, h0, W, U)
    debugprint(theano.function([X, h0, W, U], hs))
    """),
    code("""
    cost = (hs ** 2).sum()
    gW, gU, gh0 = theano.grad(cost, [W, U, h0])
    cost_and_grads = theano.function([X, h0, W, U], [cost, gW, gU, gh0])
    debugprint(cost_and_grads)
    """),
    md("""
    The same gradient by hand in numpy, as one writes backpropagation through time: run the
    loop forward, then walk back, carrying the gradient of the state.
    """),
    code("""
    def numpy_cost_and_grads(X, h0, W, U):
        hs = [h0]
        for x_t in X:
            hs.append(np.tanh(x_t @ U + hs[-1] @ W))
        gW, gU, dh = np.zeros_like(W), np.zeros_like(U), np.zeros_like(h0)
        for t in reversed(range(len(X))):
            dh = dh + 2 * hs[t + 1]                 # d cost / d h_t, from the cost and step t+1
            da = dh * (1 - hs[t + 1] ** 2)          # through tanh
            gW += np.outer(hs[t], da)
            gU += np.outer(X[t], da)
            dh = W @ da                             # on to h_{t-1}
        return sum((h ** 2).sum() for h in hs[1:]), gW, gU, dh

    rng = np.random.RandomState(0)
    values = [rng.randn(25, 3), rng.randn(4), 0.5 * rng.randn(4, 4), rng.randn(3, 4)]
    ours = cost_and_grads(*values)
    reference = numpy_cost_and_grads(*values)
    print('cost', ours[0])
    print('max difference:', max(np.abs(a - b).max() for a, b in zip(ours, reference)))
    """),
    md("""
    `verify_grad` agrees with finite differences too, for all four inputs at once:
    """),
    code("""
    X_short = values[0][:6]   # 6 steps: finite differences need two calls per number
    theano.gradient.verify_grad(rnn, [X_short] + values[1:], rng=rng)
    print('gradient through scan verified')
    """),
    md("""
    ### A Jacobian with `scan`

    This is how the Theano tutorial computes a Jacobian: loop over the indices of `y` and
    take one gradient per step. The loop's length is only known at run time.
    """),
    code("""
    y = x ** 2 + T.sin(x)
    J, _ = theano.scan(lambda i, y, x: theano.grad(y[i], x),
                       sequences=T.arange(y.shape[0]), non_sequences=[y, x])
    jacobian = theano.function([x], J)
    x_val = np.array([0.0, 1.0, 2.0])
    print(jacobian(x_val))
    print(np.diag(2 * x_val + np.cos(x_val)))
    """),
    md("""
    ## Training a model: binary addition

    `minitheano.models` holds the networks of the project's seed documents. The smallest is
    the binary-addition RNN (after Andrew Trask's numpy tutorial): it reads the bits of two
    8-bit numbers from the least significant end, with a hidden state of 16 units, and must
    output the bits of their sum, learning to carry. `build_binary_addition` builds it with
    `scan` and compiles `train` (one SGD step on one example, returning the summed absolute
    error) and `predict`. In `predict`, the input products of all 8 steps are again one `Gemm`
    before the loop, and the output layer one `Gemm` after it.
    """),
    code("""
    from minitheano.models.binary_addition import bits_lsb_first, build_binary_addition

    net = build_binary_addition(hidden_dim=16, alpha=0.1, rng=np.random.RandomState(0))
    debugprint(net.predict)
    """),
    md("""
    Each example is a random pair below 128 (so that the sum fits in 8 bits); the target is
    the sum's bits, least significant first.
    """),
    code("""
    def sum_bits(a, b):
        return np.unpackbits(np.uint8(a + b))[::-1].astype(np.float64)

    rng = np.random.RandomState(1)
    errors = []
    for step in range(10000):
        a, b = rng.randint(128), rng.randint(128)
        error, _ = net.train(bits_lsb_first(a, b), sum_bits(a, b))
        errors.append(float(error))
        if step % 2000 == 0:
            print(f'step {step:5d}  error {np.mean(errors[-200:]):.3f}')
    print(f'step {step:5d}  error {np.mean(errors[-200:]):.3f}')
    """),
    code("""
    window = 200
    smoothed = np.convolve(errors, np.ones(window) / window, mode='valid')
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(np.arange(window - 1, len(errors)), smoothed)
    ax.set_xlabel('training example')
    ax.set_ylabel(f'summed |error| over 8 bits\\n(mean of {window})')
    ax.set_title('binary-addition RNN')
    fig.tight_layout()
    plt.show()
    """),
    md("Once trained, the network adds numbers it has not necessarily seen:"),
    code("""
    test = np.random.RandomState(2).randint(128, size=(1000, 2))
    correct = sum(net.add(int(a), int(b)) == a + b for a, b in test)
    print(f'{correct} of {len(test)} random sums right')
    for a, b in test[:5]:
        print(f'{a} + {b} = {net.add(int(a), int(b))}')
    """),
    md("""
    The bigger models of `minitheano.models` (the char-RNN of min-char-rnn, the peephole LSTM,
    SuperSpike) are built the same way; `python -m minitheano.models.demo` trains the char-RNN
    on Shakespeare.
    """),
]

NOTEBOOKS = {
    "01_intro_to_minitheano": INTRO,
    "02_graphs_and_gradients": GRAPHS,
    "03_rewrites_and_numba": COMPILER,
    "04_scan_and_models": SCAN,
}


def make(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(text) if kind == "md"
                else nbformat.v4.new_code_cell(text) for kind, text in cells]
    for k, cell in enumerate(nb.cells):  # stable ids: rebuilding gives small diffs
        cell["id"] = f"cell-{k:02d}"
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 300) -> nbformat.NotebookNode:
    """Run `nb` top to bottom in a fresh python3 kernel, in a scratch working directory."""
    with tempfile.TemporaryDirectory(prefix="minitheano-nb-") as tmp:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": tmp}}).execute()
    return nb


def main(prefixes: list[str]) -> None:
    for name, cells in NOTEBOOKS.items():
        if prefixes and not any(name.startswith(p) for p in prefixes):
            continue
        start = time.perf_counter()
        nb = execute(make(cells))
        nbformat.write(nb, HERE / f"{name}.ipynb")
        print(f"{name}.ipynb: {len(cells)} cells, executed in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
