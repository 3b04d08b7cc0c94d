import os
import sys

# Debian's torch multiplies through OpenBLAS, which would start threads of
# its own inside each of torch's (OMP_NUM_THREADS from the slot) and
# oversubscribe the cores: a CPU step measured 347 ms this way against
# 143 ms with one BLAS thread per torch thread (docs/performance.md). It
# must be set before torch loads the library.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .main import main  # noqa: E402  (after the environment is set)

sys.exit(main())
