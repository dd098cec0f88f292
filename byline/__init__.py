"""Byline: a self-hosted publishing and discussion platform for commentary blogs."""

import os

# The classifier refit (numpy/scipy, imported later) must not start a BLAS thread per core: in
# a busy web process those threads spin against each other and the requests (a 300-decision
# refit took 10.8 s with them, 0.6 s without). Set before numpy is first imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
