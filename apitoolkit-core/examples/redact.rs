//! Applies redaction settings to a body, or to a raw HTTP request or response, and
//! prints the record that would be shipped.
//!
//! ```text
//! echo '{"user":"ann","password":"x"}' | cargo run -p apitoolkit-core --example redact -- --paths '$.password'
//! cargo run -p apitoolkit-core --example redact -- --paths '["$..token"]' --headers x-secret request.http
//! cargo run -p apitoolkit-core --example redact -- --help
//! ```
//!
//! The logic lives in `apitoolkit_core::tools::redact`, where it is tested.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = |name: &str| std::env::var(name).ok();
    let code = apitoolkit_core::tools::redact::run(
        &args,
        &env,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    std::process::exit(code);
}
