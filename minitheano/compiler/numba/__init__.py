"""The Numba backend: a rewritten FunctionGraph becomes generated `@njit(cache=True)` functions
written to `config.cache_dir` under hashes of their text and imported (disk-cached): the
graph's function, and the units it calls through a table of addresses (units.py): a kernel
for each node that loops (outline.py, shared by alike nodes and graphs), a function for each
outermost scan loop (scan.py), runtime helpers. Units compile in this process and a forked
compile worker at the same time (pool.py).

Extending it (e.g. for a new op family `ops/foo.py`): write `compiler/numba/foo.py` with

    from .dispatch import Ctx, numba_funcify

    @numba_funcify.register(Foo)
    def numba_funcify_Foo(op: Foo, node, ctx: Ctx) -> None:
        x = ctx[node.inputs[0]]          # expression of an input (name, or literal scalar)
        out = ctx.out(0)                 # name of output 0, to be assigned by the code
        ctx.check(f"{x}.shape[0] == 0", "{inp[0]} is empty")
        ctx.emit(f"{out} = np.empty_like({x})",
                 f"for i in range({x}.shape[0]):",
                 f"    {out}[i] = 2 * {x}[i]")

and add "foo" to `lowerings.FAMILIES`. Rules:
- 0-d tensors are Numba scalars in generated code; n-d tensors are arrays. Decide op
  parameters and broadcasting at lowering time (Python), so the generated body is plain code.
- Use `ctx.tmp(prefix)` for local names (loops nest inside other lowerings' loops, e.g.
  Scan bodies), `ctx.indent()` or `ctx.depth` for blocks.
- Run-time errors: `ctx.check(cond, template)` / `ctx.raise_(...)` raise with the node's index
  only (run-time arguments in a raise cost compile time); when one fires, the linker re-runs
  the py reference on the same inputs and raises its exact message, naming the node and the
  user's line. Keep source structural (no user names: the source is the cache key).
- Loops over big arrays: prefer `runtime.vmath` (exp, tanh_from, sin, cos) to libm calls,
  which do not vectorise (see scalar.py).
- Outputs that are views of inputs follow op.view_map/destroy_map; declare other views with
  `ctx.view(out, inp)`, so outputs returned to the user are copied when they could alias.
- Helpers too big to inline go in `runtime/` as `@njit(cache=True)` functions;
  `ctx.helper("minitheano.compiler.numba.runtime.foo", "_foo")` imports one in the file.
  Calls of the helpers of `outline._ROUTED` (copies, BLAS, arena, views) go through the table
  (their code is not compiled again into every caller); vmath's stay linked (inlined).
- Write the node's code as if alone in the graph's function: when it loops, it is cut out
  into a kernel (the names it reads become parameters, the node's outputs its results; code
  that sets a name it read from outside stays in the graph's function).
- An op holding an inner graph lowers it with `ctx.inline(fgraph, input_exprs)`, which
  returns the inner outputs' expressions (write it inside your own loop for Scan).
- Ops with no pure-Numba form may call Python through `numba.objmode` — loudly documented
  in their lowering, never silently.
`f.dump_source()` shows the generated modules (`config.dump_source = True` prints the graph's
as it is compiled); DebugMode (compiler/debugmode.py) checks every node against the py linker.
"""
from .dispatch import Ctx, MissingLoweringError, numba_funcify
from .linker import NumbaLinker

__all__ = ["Ctx", "MissingLoweringError", "NumbaLinker", "numba_funcify"]
