//! What the benchmark binaries share: a keep-alive HTTP/1.1 load generator that records
//! each request's latency ([`load`]), servers under test started as child processes and
//! measured from `/proc` ([`served`]), and the summary figures ([`stats`]).
//!
//! Run the benchmarks with `scripts/bench` (see its header); nothing here passes or fails
//! on numbers.

pub mod load;
pub mod served;
pub mod stats;
