//! Prints the effective configuration read from the environment (every setting, its
//! value and whether it came from the environment or the default; the API key masked),
//! or exits with status 1 and the error the app would get.
//!
//! ```text
//! cargo run -p apitoolkit-core --example config
//! APITOOLKIT_SAMPLE_RATE=2 cargo run -p apitoolkit-core --example config   # exit 1, the error
//! ```
//!
//! The logic lives in `apitoolkit_core::tools::config`, where it is tested.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = |name: &str| std::env::var(name).ok();
    let code = apitoolkit_core::tools::config::run(
        &args,
        &env,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
