//! `cargo run -p apitoolkit-axum --example quickstart -- --demo`, run in-process: the
//! example's own code serves, calls each route once and prints readable blocks.

use apitoolkit_core::tools::demo::DemoOutput;

#[path = "../examples/quickstart.rs"]
#[allow(dead_code)] // its `main`
mod quickstart;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_prints_readable_redacted_blocks() {
    let demo = DemoOutput::with_env(|_| None);
    let mut out = Vec::new();
    quickstart::run(Some(demo), &mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    apitoolkit_testkit::assert_quickstart_demo_output(&text, &[]);
}
