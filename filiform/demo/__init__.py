"""The demo clinic: deterministic synthetic data for trying Filiform and for the benchmarks."""
