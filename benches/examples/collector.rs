//! A standalone OTLP trace collector for load runs (testkit's `Collector`, counting only):
//!
//! ```text
//! cargo run --release -p apitoolkit-benches --example collector -- \
//!     --port 4318 --behavior ok|delay:250ms|flapping|status:503|drop|stall [--grpc] [--dump]
//! ```
//!
//! `--port 0` picks a free port (the first line names it). `flapping` is issue 21's
//! 18-second cycle (200 / 503 / 429 with `Retry-After: 1` / connection dropped / 200
//! after 2 s / 200, 3 s each), starting when the collector starts. Once a second it prints
//! the export requests read, the spans accepted (duplicates included), the distinct spans
//! (once per `apitoolkit.msg_id`), the requests in flight and the most seen at once. On
//! SIGINT or SIGTERM, or when its stdin (a pipe or a terminal) closes, it prints
//! `final: accepted=N distinct=N requests=N max_in_flight=N` and exits. With `--dump` it
//! keeps the spans and first prints one line per accepted span (trace id, span id, parent
//! span id, kind, `http.target`, `tracestate`): to look at traces by hand.

#![allow(clippy::print_stdout)] // a command-line tool: its stdout lines are its interface

use std::error::Error;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use apitoolkit_testkit::{Behavior, Collector, Schedule};

type BoxError = Box<dyn Error + Send + Sync>;

struct Args {
    port: u16,
    behavior: Behavior,
    label: String,
    grpc: bool,
    /// Keep the spans and print them at the end.
    dump: bool,
}

const USAGE: &str =
    "usage: collector [--port N] [--behavior ok|delay:250ms|flapping|status:N|drop|stall] [--grpc] [--dump]";

/// `250ms`, `2s`.
fn parse_duration(s: &str) -> Result<Duration, BoxError> {
    if let Some(ms) = s.strip_suffix("ms") {
        return Ok(Duration::from_millis(ms.parse()?));
    }
    if let Some(secs) = s.strip_suffix('s') {
        return Ok(Duration::from_secs_f64(secs.parse()?));
    }
    Err(format!("a duration like 250ms or 2s, not {s:?}").into())
}

fn parse_behavior(s: &str) -> Result<Behavior, BoxError> {
    Ok(match s.split_once(':') {
        None if s == "ok" => Behavior::Ok,
        None if s == "flapping" => Behavior::Schedule(Schedule::flapping()),
        None if s == "drop" => Behavior::DropConnection,
        None if s == "stall" => Behavior::Stall,
        Some(("delay", d)) => Behavior::Delay(parse_duration(d)?),
        Some(("status", n)) => Behavior::Status(n.parse()?),
        _ => return Err(format!("unknown behaviour {s:?}\n{USAGE}").into()),
    })
}

impl Args {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, BoxError> {
        let mut parsed = Args {
            port: 4318,
            behavior: Behavior::Ok,
            label: "ok".into(),
            grpc: false,
            dump: false,
        };
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--port" => parsed.port = args.next().ok_or(USAGE)?.parse()?,
                "--behavior" => {
                    parsed.label = args.next().ok_or(USAGE)?;
                    parsed.behavior = parse_behavior(&parsed.label)?;
                }
                "--grpc" => parsed.grpc = true,
                "--dump" => parsed.dump = true,
                _ => return Err(format!("unknown argument {arg:?}\n{USAGE}").into()),
            }
        }
        Ok(parsed)
    }
}

/// Whether stdin is a pipe or a terminal (whose closing means "stop"); `/dev/null`, as
/// for a background job of a script, is neither.
fn stdin_can_close() -> bool {
    use std::os::unix::fs::FileTypeExt as _;
    std::fs::metadata("/proc/self/fd/0")
        .map(|m| m.file_type().is_fifo() || m.file_type().is_char_device())
        .unwrap_or(false)
        && std::fs::read_link("/proc/self/fd/0").map_or(true, |p| p != *"/dev/null")
}

/// Resolves on SIGINT, SIGTERM, or stdin closing (see [`stdin_can_close`]).
async fn stop_requested() {
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    let watch_stdin = stdin_can_close();
    if watch_stdin {
        std::thread::spawn(move || {
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
            let _ = closed_tx.send(());
        });
    }
    let closed = async {
        if watch_stdin {
            let _ = closed_rx.await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
        () = closed => {}
    }
}

fn main() -> std::process::ExitCode {
    match serve() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("collector: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

fn serve() -> Result<(), BoxError> {
    let args = Args::parse(std::env::args().skip(1))?;
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    let collector = if args.grpc {
        Collector::grpc_at(addr)
    } else {
        Collector::start_at(addr)
    };
    collector.set_retain(args.dump);
    collector.set_behavior(args.behavior);
    println!(
        "collector listening on {} (OTLP/{}, behavior {})",
        collector.endpoint(),
        if args.grpc { "gRPC" } else { "HTTP" },
        args.label
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let started = Instant::now();
    rt.block_on(async {
        let stop = stop_requested();
        tokio::pin!(stop);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.tick().await;
        let mut last_requests = 0;
        loop {
            tokio::select! {
                () = &mut stop => break,
                _ = tick.tick() => {
                    let requests = collector.request_count();
                    println!(
                        "t={:.0}s requests={requests} (+{}) accepted={} distinct={} in_flight={} max_in_flight={}",
                        started.elapsed().as_secs_f64(),
                        requests - last_requests,
                        collector.accepted_span_count(),
                        collector.distinct_accepted_count(),
                        collector.in_flight(),
                        collector.max_in_flight(),
                    );
                    let _ = std::io::stdout().flush();
                    last_requests = requests;
                }
            }
        }
    });
    if args.dump {
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        for s in collector.accepted_spans() {
            println!(
                "span trace={} span={} parent={} kind={} target={} tracestate={}",
                hex(&s.trace_id),
                hex(&s.span_id),
                hex(&s.parent_span_id),
                s.kind,
                s.target(),
                s.trace_state
            );
        }
    }
    println!(
        "final: accepted={} distinct={} requests={} max_in_flight={}",
        collector.accepted_span_count(),
        collector.distinct_accepted_count(),
        collector.request_count(),
        collector.max_in_flight()
    );
    let _ = std::io::stdout().flush();
    Ok(())
}
