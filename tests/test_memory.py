"""glassnet.memory: large arrays reused by malloc instead of page-faulted anew."""
import os
import subprocess
import sys

import pytest

FAULTS = """
import resource, sys
import numpy as np
from glassnet import memory

def faults_of_fresh_arrays():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        a = np.ones(12 << 20, dtype=np.float32)  # 48 MiB: above glibc's dynamic threshold
        del a
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

faults_of_fresh_arrays()
default = faults_of_fresh_arrays()
kept = memory.keep_large_blocks()
faults_of_fresh_arrays()  # the first array after the change still grows the heap
print(kept, default, faults_of_fresh_arrays())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_keep_large_blocks_stops_the_page_faults_of_fresh_arrays():
    out = subprocess.run([sys.executable, "-c", FAULTS], capture_output=True, text=True,
                         check=True).stdout.split()
    kept, default, after = out[0] == "True", int(out[1]), int(out[2])
    if not kept:
        pytest.skip("the C library has no mallopt (not glibc)")
    assert default >= 100  # each fresh 48 MiB array faults in its pages (huge pages or not)
    assert after <= default // 20


def test_keep_large_blocks_can_be_turned_off():
    code = "from glassnet import memory; print(memory.keep_large_blocks())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "GLASSNET_KEEP_LARGE_BLOCKS": "0"}).stdout
    assert out.strip() == "False"
