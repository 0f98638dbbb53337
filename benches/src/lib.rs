//! Criterion benchmarks for the APItoolkit SDK live in `benches/`; this library is empty.
