//! `cargo run -p apitoolkit-core --example redact -- [OPTIONS] [FILE]`: applies redaction
//! settings to a body, or to a raw HTTP request or response, and prints the record that
//! would be shipped ([`run`]).

use std::io::{Read, Write};
use std::sync::Arc;

use bytes::Bytes;

use super::list;
use crate::config::Export;
use crate::model::{CapturedBody, CapturedHeaders, SdkType};
use crate::record::{build_message, readable};
use crate::{Config, ConfigError, Exchange, Redactor};

/// The tool's help, printed by `--help` and after a usage error.
pub const USAGE: &str = "\
usage: redact [OPTIONS] [FILE]

Reads a body, or a raw HTTP request or response (request or status line, headers, a
blank line, the body), from FILE or stdin (no FILE, or -), applies the redaction
settings and prints the record that would be shipped: headers, query parameters and
body, redacted values as [CLIENT_REDACTED]. A bare body is sent as `POST /`.

Settings not given here come from the APITOOLKIT_* variables, as in the app.

options:
  --paths LIST          body JSONPaths (JSON array, or comma-separated); replaces
                        APITOOLKIT_REDACT_REQ_BODY (APITOOLKIT_REDACT_RES_BODY with --response)
  --headers LIST        header names to redact besides the defaults; replaces
                        APITOOLKIT_REDACT_HEADERS
  --query LIST          query parameter names to mask besides the defaults; replaces
                        APITOOLKIT_REDACT_QUERY_PARAMS
  --content-type TYPE   the body's Content-Type (default: its header, else JSON)
  --response            the input is a response body (implied by a status line)
  --json                print the record as its JSON Line instead of a readable block
  -h, --help            this help

exit status: 0 printed, 1 invalid setting (an invalid path shows its position),
2 usage error, 3 unreadable input.
";

#[derive(Debug, Default)]
struct Options {
    paths: Option<Vec<String>>,
    headers: Option<Vec<String>>,
    query: Option<Vec<String>>,
    content_type: Option<String>,
    response: bool,
    json: bool,
    file: Option<String>,
}

/// Runs the tool: `args` without the program name, variables read through `env`, input
/// from `stdin` unless a file is named. Returns the exit status.
pub fn run(
    args: &[String],
    env: &dyn Fn(&str) -> Option<String>,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let options = match parse_args(args) {
        Ok(Some(o)) => o,
        Ok(None) => return write_or(stdout, USAGE, 0),
        Err(why) => return write_or(stderr, &format!("redact: {why}\n\n{USAGE}"), 2),
    };
    let mut input = Vec::new();
    let read = match options.file.as_deref() {
        None | Some("-") => stdin.read_to_end(&mut input).map(drop),
        Some(path) => std::fs::read(path).map(|bytes| input = bytes),
    };
    if let Err(e) = read {
        let from = options.file.as_deref().unwrap_or("stdin");
        return write_or(stderr, &format!("redact: cannot read {from}: {e}\n"), 3);
    }
    let (exchange, config) = match prepare(&options, &input, env) {
        Ok(ok) => ok,
        Err(e) => return write_or(stderr, &describe(&e), 1),
    };
    let message = build_message(&exchange, &config);
    let text = if options.json {
        match serde_json::to_string(&message) {
            Ok(line) => line + "\n",
            Err(e) => return write_or(stderr, &format!("redact: {e}\n"), 1),
        }
    } else {
        readable::block(&message)
    };
    write_or(stdout, &text, 0)
}

fn write_or(out: &mut dyn Write, text: &str, code: i32) -> i32 {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => code,
        Err(_) => 3,
    }
}

/// `Ok(None)` for `--help`.
fn parse_args(args: &[String]) -> Result<Option<Options>, String> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let as_list = |name: &str, v: String| list::parse(&v).map_err(|e| format!("{name}: {e}"));
        match flag {
            "-h" | "--help" => return Ok(None),
            "--paths" => o.paths = Some(as_list(flag, value(flag)?)?),
            "--headers" => o.headers = Some(as_list(flag, value(flag)?)?),
            "--query" => o.query = Some(as_list(flag, value(flag)?)?),
            "--content-type" => o.content_type = Some(value(flag)?),
            "--response" => o.response = true,
            "--json" => o.json = true,
            f if f.starts_with('-') && f != "-" => return Err(format!("unknown option {f}")),
            _ if o.file.is_some() => return Err(format!("more than one FILE ({arg})")),
            _ => o.file = Some(arg.clone()),
        }
    }
    Ok(Some(o))
}

/// The configuration (the options over the environment) and the exchange the input
/// describes.
fn prepare(
    o: &Options,
    input: &[u8],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Exchange, Config), ConfigError> {
    let http = super::http_input::parse(input);
    let response = o.response || http.as_ref().is_some_and(|h| h.status.is_some());
    let mut builder = Config::builder().export(Export::Callback(Arc::new(|_| {})));
    if let Some(paths) = &o.paths {
        Redactor::new(paths).map_err(|e| e.with_origin("--paths"))?;
        builder = if response {
            builder.redact_response_body(paths.clone())
        } else {
            builder.redact_request_body(paths.clone())
        };
    }
    if let Some(headers) = &o.headers {
        builder = builder.redact_headers(headers.clone());
    }
    if let Some(query) = &o.query {
        builder = builder.redact_query_params(query.clone());
    }
    let config = builder.build_with_env(env)?;

    let (method, target, version) = match &http {
        Some(h) => {
            let (m, t) = h.request_line.unwrap_or(("GET", "/"));
            (m, t, h.version)
        }
        None => ("POST", "/", http::Version::HTTP_11),
    };
    let method = http::Method::from_bytes(method.as_bytes()).unwrap_or(http::Method::POST);
    let uri = target
        .parse::<http::Uri>()
        .unwrap_or_else(|_| http::Uri::from_static("/"));
    let mut exchange = Exchange::new(SdkType::RustCustom, method, uri, version);
    // No router here: the path stands for the route in the block's first line.
    exchange.route = Some(exchange.uri.path().to_owned());
    exchange.status = http.as_ref().and_then(|h| h.status).unwrap_or(200);
    let mut headers = CapturedHeaders::new();
    if let Some(h) = &http {
        for (name, value) in &h.headers {
            if o.content_type.is_none() || !name.eq_ignore_ascii_case("content-type") {
                headers.append(name, value);
            }
        }
    }
    if let Some(ct) = &o.content_type {
        headers.append("content-type", ct.as_bytes());
    }
    let body = http.as_ref().map_or(input, |h| h.body);
    let (capture, side_headers, side_body) = if response {
        (
            config.capture_response_body(),
            &mut exchange.response_headers,
            &mut exchange.response_body,
        )
    } else {
        (
            config.capture_request_body(),
            &mut exchange.request_headers,
            &mut exchange.request_body,
        )
    };
    *side_headers = headers;
    *side_body = if !capture || body.is_empty() {
        CapturedBody::Empty
    } else if body.len() > config.max_body_bytes() {
        CapturedBody::TooLarge {
            cap: config.max_body_bytes(),
        }
    } else {
        CapturedBody::Complete(Bytes::copy_from_slice(body))
    };
    Ok((exchange, config))
}

/// The error as the app would report it; an invalid path also gets a caret under its
/// position.
fn describe(e: &ConfigError) -> String {
    let mut text = format!("{e}\n");
    if let ConfigError::InvalidPath { path, position, .. } = e {
        text.push_str(&format!("  {path}\n  {}^\n", " ".repeat(*position)));
    }
    text
}
