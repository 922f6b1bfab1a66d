"""W8's competitor: another NumPy program multiplying batch-sized matrices (32 x 784 by
784 x 300, W1's first layer) on every core until it is stopped, as a second experiment
or a student's other work would.  Run with the glassnet venv's Python; stdlib + NumPy."""
import numpy as np

a = np.random.default_rng(0).random((32, 784), dtype=np.float32)
b = np.random.default_rng(1).random((784, 300), dtype=np.float32)
while True:
    a @ b
