//! The collector's gRPC side: `TraceService/Export` on tonic, answering per behaviour.

use super::behavior::{outcome, Answer};
use super::*;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;

const EXPORT_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

struct Service {
    shared: Arc<Shared>,
}

#[tonic::async_trait]
impl TraceService for Service {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let headers = request.metadata().clone().into_headers();
        let raw = request.into_inner().encode_to_vec();
        let behavior = self.shared.next_behavior();
        let in_flight = self.shared.begin();
        let (index, spans) = self.shared.record(EXPORT_PATH.to_owned(), headers, raw);
        // One HTTP/2 connection carries every call: a dropped connection is answered
        // `Unavailable` (the code of 503) instead.
        let status = match outcome(behavior).await {
            Answer::Status(status, _) => status,
            Answer::Drop => 503,
        };
        drop(in_flight);
        self.shared.answer(index, Some(status), spans);
        match grpc_code(status) {
            None => Ok(tonic::Response::new(ExportTraceServiceResponse::default())),
            Some(code) => Err(tonic::Status::new(code, "scripted by the test")),
        }
    }
}

/// The gRPC code for an HTTP status (the mapping of gRPC's HTTP-to-gRPC status doc);
/// `None` for a 2xx.
fn grpc_code(status: u16) -> Option<tonic::Code> {
    Some(match status {
        200..=299 => return None,
        400 => tonic::Code::Internal,
        401 => tonic::Code::Unauthenticated,
        403 => tonic::Code::PermissionDenied,
        404 => tonic::Code::Unimplemented,
        429 | 502..=504 => tonic::Code::Unavailable,
        _ => tonic::Code::Unknown,
    })
}

pub(super) async fn serve(listener: StdListener, shared: Arc<Shared>, stop: oneshot::Receiver<()>) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    let service = TraceServiceServer::new(Service { shared })
        .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
    let _ = tonic::transport::Server::builder()
        .add_service(service)
        .serve_with_incoming_shutdown(incoming, async {
            let _ = stop.await;
        })
        .await;
}
