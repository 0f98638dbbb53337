//! The protobuf bytes of an `ExportTraceServiceRequest`, written one span at a time.
//!
//! A batch has one resource and one scope, so the request is a fixed head (field tags,
//! the encoded resource and scope, and the lengths) followed by the spans. Encoding each
//! span as soon as it is built, and dropping it with its record, keeps a batch from
//! holding all its records and spans in memory at once (hundreds of allocations each,
//! freed together), the same as the JSON Lines writer does. The bytes are exactly
//! `prost`'s encoding of the equivalent `ExportTraceServiceRequest` (tested below).

use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::encoding::{encode_key, encode_varint, encoded_len_varint, message, WireType};

use crate::record::otlp_shared::SDK_NAME;

/// `ExportTraceServiceRequest.resource_spans`, `ResourceSpans.resource`,
/// `ResourceSpans.scope_spans`, `ScopeSpans.scope`, `ScopeSpans.spans`.
const RESOURCE_SPANS: u32 = 1;
const RESOURCE: u32 = 1;
const SCOPE_SPANS: u32 = 2;
const SCOPE: u32 = 1;
pub(super) const SPANS: u32 = 2;

/// What frames a batch's spans into one `ExportTraceServiceRequest`: the resource and
/// the scope (the same for every batch, encoded once), and the head that wraps them
/// around the spans ([`head`](Self::head)).
#[derive(Debug)]
pub(super) struct ExportRequestFrame {
    /// `ResourceSpans.resource`, with its tag and length.
    resource: Vec<u8>,
    /// `ScopeSpans.scope`, with its tag and length.
    scope: Vec<u8>,
}

impl ExportRequestFrame {
    pub(super) fn new(resource: &Resource) -> ExportRequestFrame {
        let scope = InstrumentationScope {
            name: SDK_NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            ..Default::default()
        };
        let mut frame = ExportRequestFrame {
            resource: Vec::new(),
            scope: Vec::new(),
        };
        message::encode(RESOURCE, resource, &mut frame.resource);
        message::encode(SCOPE, &scope, &mut frame.scope);
        frame
    }

    /// The bytes that go before `spans_len` bytes of spans to make the whole request.
    pub(super) fn head(&self, spans_len: usize) -> Vec<u8> {
        let scope_spans = self.scope.len() + spans_len;
        let resource_spans =
            self.resource.len() + 1 + encoded_len_varint(scope_spans as u64) + scope_spans;
        let mut head = Vec::with_capacity(self.resource.len() + self.scope.len() + 24);
        encode_key(RESOURCE_SPANS, WireType::LengthDelimited, &mut head);
        encode_varint(resource_spans as u64, &mut head);
        head.extend_from_slice(&self.resource);
        encode_key(SCOPE_SPANS, WireType::LengthDelimited, &mut head);
        encode_varint(scope_spans as u64, &mut head);
        head.extend_from_slice(&self.scope);
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use prost::Message as _;

    fn span(i: u8, attrs: usize) -> Span {
        Span {
            name: format!("span-{i}"),
            trace_id: vec![i; 16],
            span_id: vec![i; 8],
            attributes: (0..attrs)
                .map(|a| opentelemetry_proto::tonic::common::v1::KeyValue {
                    key: format!("k{a}"),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn head_plus_spans_is_prosts_encoding_of_the_request() {
        let resource = Resource {
            attributes: vec![opentelemetry_proto::tonic::common::v1::KeyValue {
                key: "service.name".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let frame = ExportRequestFrame::new(&resource);
        // 0, 1 and many spans; spans big enough for multi-byte lengths.
        for n in [0usize, 1, 3, 200] {
            let spans: Vec<Span> = (0..n).map(|i| span(i as u8, i % 40)).collect();
            let mut bytes = Vec::new();
            spans
                .iter()
                .for_each(|s| message::encode(SPANS, s, &mut bytes));
            let mut ours = frame.head(bytes.len());
            ours.extend_from_slice(&bytes);
            let request = ExportTraceServiceRequest {
                resource_spans: vec![ResourceSpans {
                    resource: Some(resource.clone()),
                    scope_spans: vec![ScopeSpans {
                        scope: Some(InstrumentationScope {
                            name: SDK_NAME.into(),
                            version: env!("CARGO_PKG_VERSION").into(),
                            ..Default::default()
                        }),
                        spans,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            };
            assert_eq!(ours, request.encode_to_vec(), "{n} spans");
        }
    }
}
