"""ikesim benchmarks (``make bench``): figures are ratios measured within one run."""
