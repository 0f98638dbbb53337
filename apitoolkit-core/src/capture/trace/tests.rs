//! The W3C Trace Context test suite's `traceparent` and `tracestate` cases (restated from
//! w3c/trace-context's `test/test.py`), and the contexts built from them.

use super::*;

const TRACE: &str = "12345678901234567890123456789012";
const PARENT: &str = "1234567890123456";

fn tp(value: &str) -> Option<parse::Traceparent> {
    parse_traceparent(value.as_bytes())
}

fn ts(values: &[&str]) -> Option<String> {
    parse_tracestate(values.iter().map(|v| v.as_bytes()))
}

#[test]
fn valid_traceparents() {
    let p = tp(&format!("00-{TRACE}-{PARENT}-01")).expect("valid");
    assert_eq!(hex(&p.trace_id), TRACE);
    assert_eq!(hex(&p.span_id), PARENT);
    assert_eq!(p.flags, 1);
    assert_eq!(tp(&format!("00-{TRACE}-{PARENT}-00")).unwrap().flags, 0);
    // Spaces and tabs around the value (OWS).
    assert!(tp(&format!(" \t00-{TRACE}-{PARENT}-01\t ")).is_some());
    // A future version: more fields after a dash, and only the sampled bit kept.
    assert!(tp(&format!("cc-{TRACE}-{PARENT}-01")).is_some());
    assert!(tp(&format!(
        "cc-{TRACE}-{PARENT}-01-what-the-future-will-be-like"
    ))
    .is_some());
    assert_eq!(tp(&format!("cc-{TRACE}-{PARENT}-09")).unwrap().flags, 1);
}

#[test]
fn invalid_traceparents() {
    let cases = [
        // Version 00 with anything after the flags.
        format!("00-{TRACE}-{PARENT}-01-what-the-future-will-be-like"),
        // A future version whose extra data does not start with a dash.
        format!("cc-{TRACE}-{PARENT}-01.what-the-future-will-be-like"),
        // Version ff, illegal or wrongly sized versions.
        format!("ff-{TRACE}-{PARENT}-01"),
        format!(".0-{TRACE}-{PARENT}-01"),
        format!("0.-{TRACE}-{PARENT}-01"),
        format!("000-{TRACE}-{PARENT}-01"),
        format!("0000-{TRACE}-{PARENT}-01"),
        format!("0-{TRACE}-{PARENT}-01"),
        format!("0A-{TRACE}-{PARENT}-01"),
        // Trace ids: all zero, illegal characters, upper case, too long, too short.
        format!("00-00000000000000000000000000000000-{PARENT}-01"),
        format!("00-.2345678901234567890123456789012-{PARENT}-01"),
        format!("00-1234567890123456789012345678901.-{PARENT}-01"),
        format!("00-ABCDEF78901234567890123456789012-{PARENT}-01"),
        format!("00-{TRACE}1-{PARENT}-01"),
        format!("00-1234567890123456789012345678901-{PARENT}-01"),
        // Parent ids: all zero, illegal characters, upper case, too long, too short.
        format!("00-{TRACE}-0000000000000000-01"),
        format!("00-{TRACE}-.234567890123456-01"),
        format!("00-{TRACE}-123456789012345.-01"),
        format!("00-{TRACE}-ABCDEF7890123456-01"),
        format!("00-{TRACE}-12345678901234567-01"),
        format!("00-{TRACE}-123456789012345-01"),
        // Flags: illegal characters, too long, too short.
        format!("00-{TRACE}-{PARENT}-.0"),
        format!("00-{TRACE}-{PARENT}-0."),
        format!("00-{TRACE}-{PARENT}-001"),
        format!("00-{TRACE}-{PARENT}-0"),
        // Not a traceparent at all.
        String::new(),
        "00".to_owned(),
        format!("00_{TRACE}_{PARENT}_01"),
    ];
    for case in &cases {
        assert_eq!(tp(case), None, "{case:?} is invalid");
    }
}

#[test]
fn valid_tracestates() {
    assert_eq!(ts(&["foo=1"]).as_deref(), Some("foo=1"));
    // Several headers form one list; empty members and spaces around members go.
    assert_eq!(ts(&["foo=1", "bar=2"]).as_deref(), Some("foo=1,bar=2"));
    assert_eq!(
        ts(&["foo=1 \t , \t bar=2, ,"]).as_deref(),
        Some("foo=1,bar=2")
    );
    // Every allowed character.
    let key = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
    let value: String = (0x20u8..=0x7e)
        .filter(|&b| b != b',' && b != b'=')
        .map(char::from)
        .collect::<String>()
        .trim()
        .to_owned();
    assert!(ts(&[&format!("{key}={value}")]).is_some());
    // Multi-tenant keys and the length limits.
    assert!(ts(&["tenant@system=1"]).is_some());
    assert!(ts(&[&format!("{}=1", "a".repeat(256))]).is_some());
    assert!(ts(&[&format!("{}@{}=1", "t".repeat(241), "s".repeat(14))]).is_some());
    let members: Vec<String> = (0..32).map(|i| format!("k{i}=v")).collect();
    assert!(ts(&[&members.join(",")]).is_some());
    // Nothing to keep.
    assert_eq!(ts(&[]), None);
    assert_eq!(ts(&[""]), None);
}

#[test]
fn invalid_tracestates_are_dropped_whole() {
    let long_key = format!("{}=1", "a".repeat(257));
    let long_tenant = format!("{}@s=1", "t".repeat(242));
    let long_system = format!("t@{}=1", "s".repeat(15));
    let too_many: Vec<String> = (0..33).map(|i| format!("k{i}=v")).collect();
    let too_many = too_many.join(",");
    let cases: [&[&str]; 14] = [
        &["foo=1,foo=2"],
        &["foo=1", "foo=2"],
        &["FOO=1"],
        &["foo@=1,bar=2"],
        &["@foo=1,bar=2"],
        &["foo@@bar=1,bar=2"],
        &["foo@bar@baz=1,bar=2"],
        &["foo=bar=baz"],
        &["foo=,bar=3"],
        &["foo"],
        &[&long_key],
        &[&long_tenant],
        &[&long_system],
        &[&too_many],
    ];
    for case in cases {
        assert_eq!(ts(case), None, "{case:?} is invalid");
    }
}

#[test]
fn an_incoming_traceparent_makes_the_span_a_child_of_the_caller() {
    let msg_id = Uuid::new_v4();
    let header = format!("00-{TRACE}-{PARENT}-00");
    let t = TraceContext::from_headers([header.as_bytes()], [&b"vendor=x"[..]], msg_id);
    assert_eq!(t.trace_id_hex(), TRACE);
    assert_eq!(t.parent_span_id().map(|p| hex(&p)).as_deref(), Some(PARENT));
    assert_eq!(t.span_id(), span_id_of(msg_id));
    assert_eq!(t.trace_state(), Some("vendor=x"));
    assert!(!t.sampled());
    assert!(t.is_remote_parent());

    // An outgoing call under it: same trace, parent = the incoming span.
    let call = Uuid::new_v4();
    let c = t.child(call);
    assert_eq!(c.trace_id(), t.trace_id());
    assert_eq!(c.parent_span_id(), Some(t.span_id()));
    assert_eq!(c.trace_state(), Some("vendor=x"));
    assert!(!c.is_remote_parent());
    assert_eq!(
        c.traceparent(),
        format!("00-{TRACE}-{}-00", hex(&span_id_of(call)))
    );
    // What we send parses as what we meant.
    let sent = tp(&c.traceparent()).unwrap();
    assert_eq!((sent.trace_id, sent.span_id), (c.trace_id(), c.span_id()));
}

#[test]
fn absent_invalid_or_duplicated_traceparents_start_a_new_trace() {
    let msg_id = Uuid::new_v4();
    let root = TraceContext::root(msg_id);
    assert_eq!(root.trace_id(), *msg_id.as_bytes());
    assert_eq!(root.parent_span_id(), None);
    assert!(root.sampled());
    let valid = format!("00-{TRACE}-{PARENT}-01");
    let none: [&[u8]; 0] = [];
    assert_eq!(TraceContext::from_headers(none, none, msg_id), root);
    assert_eq!(
        TraceContext::from_headers([&b"00-zz"[..]], [&b"a=1"[..]], msg_id),
        root,
        "an invalid traceparent drops the tracestate too"
    );
    assert_eq!(
        TraceContext::from_headers([valid.as_bytes(), valid.as_bytes()], none, msg_id),
        root
    );
    // A valid traceparent with an invalid tracestate: the trace is kept.
    let t = TraceContext::from_headers([valid.as_bytes()], [&b"FOO=1"[..]], msg_id);
    assert_eq!(t.trace_id_hex(), TRACE);
    assert_eq!(t.trace_state(), None);
}

#[test]
fn debug_shows_ids_but_not_the_tracestate() {
    let valid = format!("00-{TRACE}-{PARENT}-01");
    let t = TraceContext::from_headers(
        [valid.as_bytes()],
        [&b"secretvendor=abc"[..]],
        Uuid::new_v4(),
    );
    let shown = format!("{t:?}");
    assert!(shown.contains(TRACE));
    assert!(!shown.contains("secretvendor"));
}

#[test]
fn a_span_parent_given_by_the_app_makes_the_span_its_child() {
    let msg_id = Uuid::new_v4();
    let parent = SpanParent {
        trace_id: [0xab; 16],
        span_id: [0xcd; 8],
        flags: 0,
        trace_state: Some(" a=1 , b=2 "),
        remote: false,
    };
    let t = TraceContext::child_of(&parent, msg_id).expect("valid parent");
    assert_eq!(t.trace_id(), [0xab; 16]);
    assert_eq!(t.parent_span_id(), Some([0xcd; 8]));
    assert_eq!(t.span_id(), span_id_of(msg_id));
    assert_eq!(t.trace_state(), Some("a=1,b=2"));
    assert!(!t.sampled());
    assert!(!t.is_remote_parent());

    let remote = SpanParent {
        remote: true,
        trace_state: Some("Bad Key=1"),
        flags: 1,
        ..parent
    };
    let r = TraceContext::child_of(&remote, msg_id).unwrap();
    assert!(r.is_remote_parent());
    assert!(r.sampled());
    assert_eq!(r.trace_state(), None, "an invalid tracestate is dropped");

    for bad in [
        SpanParent {
            trace_id: [0; 16],
            ..parent
        },
        SpanParent {
            span_id: [0; 8],
            ..parent
        },
    ] {
        assert!(TraceContext::child_of(&bad, msg_id).is_none());
    }
}
