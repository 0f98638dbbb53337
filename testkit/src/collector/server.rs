//! The collector's server side: accepting, decoding and answering export requests.

use super::behavior::{outcome, Answer};
use super::*;

pub(super) async fn serve(
    listener: StdListener,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    let mut black_holed = Vec::new();
    loop {
        let stream = tokio::select! {
            _ = &mut stop => break,
            conn = listener.accept() => match conn {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        if shared.current_behavior() == Behavior::BlackHole {
            // Keep the connection open, never read from it.
            black_holed.push(stream);
            continue;
        }
        let shared = Arc::clone(&shared);
        let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
            handle(Arc::clone(&shared), req)
        });
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

/// The protobuf bytes of a request body (gunzipped when `gzip`; empty when that fails).
fn unzip(body: &[u8], gzip: bool) -> Vec<u8> {
    if !gzip {
        return body.to_vec();
    }
    let mut out = Vec::new();
    if flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .is_err()
    {
        return Vec::new();
    }
    out
}

impl Shared {
    /// Logs an export request (its protobuf bytes `raw`); returns its index (`usize::MAX`
    /// when not retained) and spans.
    pub(super) fn record(
        &self,
        path: String,
        headers: http::HeaderMap,
        raw: Vec<u8>,
    ) -> (usize, Vec<ReceivedSpan>) {
        let request = ExportTraceServiceRequest::decode(&raw[..]).unwrap_or_default();
        let spans: Vec<ReceivedSpan> = request
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .map(ReceivedSpan::from_proto)
            .collect();
        let retain = self.retaining();
        let index = {
            let mut log = lock(&self.log);
            log.request_total += 1;
            if !retain {
                drop(log);
                self.changed.notify_all();
                return (usize::MAX, spans);
            }
            log.requests.push(ExportRequest {
                arrived: Instant::now(),
                path,
                spans: spans.len(),
                answered: None,
                headers,
                request,
                raw,
            });
            log.requests.len() - 1
        };
        self.changed.notify_all();
        (index, spans)
    }
}

fn respond(status: u16, headers: &[(&'static str, String)]) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            resp.headers_mut().insert(*name, v);
        }
    }
    resp
}

/// Answers one export request; an error makes hyper close the connection unanswered.
async fn handle(
    shared: Arc<Shared>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let gzip = parts
        .headers
        .get("content-encoding")
        .is_some_and(|v| v == "gzip");
    let raw = unzip(&body, gzip);
    let behavior = shared.next_behavior();
    let in_flight = shared.begin();
    let (index, spans) = shared.record(parts.uri.path().to_owned(), parts.headers, raw);
    let answer = outcome(behavior).await;
    drop(in_flight);
    match answer {
        Answer::Status(status, headers) => {
            shared.answer(index, Some(status), spans);
            Ok(respond(status, &headers))
        }
        Answer::Drop => {
            shared.answer(index, None, spans);
            Err(std::io::Error::other(
                "connection dropped by the collector's behaviour",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaviours_switch_and_queue() {
        let c = Collector::start();
        c.push_next(Behavior::Status(500));
        assert_eq!(c.shared.next_behavior(), Behavior::Status(500));
        assert_eq!(c.shared.next_behavior(), Behavior::Ok);
        c.set_behavior(Behavior::Stall);
        assert_eq!(c.shared.next_behavior(), Behavior::Stall);
        assert_eq!(c.request_count(), 0);
        assert_eq!(c.wait_for_spans(1, Duration::from_millis(10)), 0);
    }

    #[test]
    fn unused_addr_refuses() {
        let addr = unused_addr();
        assert!(std::net::TcpStream::connect(addr).is_err());
    }
}
