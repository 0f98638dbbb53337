//! The suite's 100 MB each-way scenario on axum, in a test binary of its own so that no
//! other test's allocations move the process's peak-RSS high-water mark.

mod support;

use apitoolkit_testkit::suite::{self, Adapter};
use support::Axum;

#[test]
fn hundred_megabytes_each_way_stream_through_with_bounded_memory() {
    Axum::run(suite::hundred_megabytes_each_way_stream_through_with_bounded_memory::<Axum>());
}
