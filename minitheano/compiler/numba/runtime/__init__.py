"""Run-time helpers called from generated code: @njit(cache=True) functions in real modules
(so their compiled code is cached too) and intrinsics."""
