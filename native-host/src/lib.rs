//! Native host for edgemcp: one binary for Cloud Run, AWS Lambda and stdio.

pub mod storage;
