//! A hand-written `grpc.health.v1.Health` service and client: what `tonic-health` (or
//! `tonic-build` from `health.proto`) generates, written with tonic's codegen-free APIs
//! (`tonic::server::Grpc`, `tonic::client::Grpc` and `tonic-prost`'s codec), so no
//! `protoc` or `build.rs` is needed. Shared by `examples/tonic.rs` and `tests/tonic.rs`.
//!
//! Known services: `""` and `"shop"` are SERVING, `"legacy"` is NOT_SERVING; any other
//! name is answered with `NOT_FOUND`. `Watch` streams a service's status three times
//! (SERVING, NOT_SERVING, SERVING for `shop`), except for `legacy`, whose stream ends
//! with `UNAVAILABLE` after its first status.

// Each including crate uses part of it.
#![allow(dead_code)]

use std::convert::Infallible;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{self, Stream, StreamExt};
use http::uri::PathAndQuery;
use tonic::body::Body;
use tonic::server::{Grpc, NamedService, ServerStreamingService, UnaryService};
use tonic::{Request, Response, Status};
use tonic_prost::ProstCodec;

/// The full method of `Check` (the route of its records).
pub(crate) const CHECK: &str = "/grpc.health.v1.Health/Check";
/// The full method of `Watch`.
pub(crate) const WATCH: &str = "/grpc.health.v1.Health/Watch";

/// `grpc.health.v1.HealthCheckRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct HealthCheckRequest {
    /// The service asked about (`""`: the server as a whole).
    #[prost(string, tag = "1")]
    pub(crate) service: String,
}

/// `grpc.health.v1.HealthCheckResponse` (`status` is the `ServingStatus` enum).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct HealthCheckResponse {
    /// `SERVING` (1) or `NOT_SERVING` (2).
    #[prost(int32, tag = "1")]
    pub(crate) status: i32,
}

/// `ServingStatus.SERVING`.
pub(crate) const SERVING: i32 = 1;
/// `ServingStatus.NOT_SERVING`.
pub(crate) const NOT_SERVING: i32 = 2;

fn status_of(service: &str) -> Result<i32, Status> {
    match service {
        "" | "shop" => Ok(SERVING),
        "legacy" => Ok(NOT_SERVING),
        other => Err(Status::not_found(format!("unknown service {other}"))),
    }
}

/// The server side, to add to `tonic::transport::Server::builder()`.
#[derive(Clone, Debug, Default)]
pub(crate) struct HealthServer;

impl NamedService for HealthServer {
    const NAME: &'static str = "grpc.health.v1.Health";
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl tower_service::Service<http::Request<Body>> for HealthServer {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let mut grpc = Grpc::new(ProstCodec::<HealthCheckResponse, HealthCheckRequest>::default());
        match req.uri().path() {
            CHECK => Box::pin(async move { Ok(grpc.unary(Check, req).await) }),
            WATCH => Box::pin(async move { Ok(grpc.server_streaming(Watch, req).await) }),
            _ => Box::pin(ready(Ok(
                Status::unimplemented("no such method").into_http()
            ))),
        }
    }
}

struct Check;

impl UnaryService<HealthCheckRequest> for Check {
    type Response = HealthCheckResponse;
    type Future = Ready<Result<Response<HealthCheckResponse>, Status>>;

    fn call(&mut self, req: Request<HealthCheckRequest>) -> Self::Future {
        ready(
            status_of(&req.get_ref().service)
                .map(|status| Response::new(HealthCheckResponse { status })),
        )
    }
}

/// The stream `Watch` answers with.
pub(crate) type WatchStream =
    Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>;

struct Watch;

impl ServerStreamingService<HealthCheckRequest> for Watch {
    type Response = HealthCheckResponse;
    type ResponseStream = WatchStream;
    type Future = Ready<Result<Response<WatchStream>, Status>>;

    fn call(&mut self, req: Request<HealthCheckRequest>) -> Self::Future {
        let service = req.into_inner().service;
        ready(status_of(&service).map(|status| {
            let updates: Vec<Result<HealthCheckResponse, Status>> = if service == "legacy" {
                vec![
                    Ok(HealthCheckResponse { status }),
                    Err(Status::unavailable("legacy is shutting down")),
                ]
            } else {
                [status, NOT_SERVING, SERVING]
                    .into_iter()
                    .map(|status| Ok(HealthCheckResponse { status }))
                    .collect()
            };
            Response::new(stream::iter(updates).boxed())
        }))
    }
}

/// The client side over any tonic transport (a `tonic::transport::Channel`).
#[derive(Debug, Clone)]
pub(crate) struct HealthClient<T> {
    inner: tonic::client::Grpc<T>,
}

impl HealthClient<tonic::transport::Channel> {
    /// Connects to `http://host:port`.
    pub(crate) async fn connect(endpoint: String) -> Result<Self, tonic::transport::Error> {
        let channel = tonic::transport::Endpoint::new(endpoint)?.connect().await?;
        Ok(HealthClient {
            inner: tonic::client::Grpc::new(channel),
        })
    }
}

impl<T> HealthClient<T>
where
    T: tonic::client::GrpcService<Body>,
    T::Error: Into<tonic::codegen::StdError>,
    T::ResponseBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    <T::ResponseBody as http_body::Body>::Error: Into<tonic::codegen::StdError> + Send,
{
    /// `Check(service)`.
    pub(crate) async fn check(&mut self, service: &str) -> Result<HealthCheckResponse, Status> {
        self.ready().await?;
        let req = Request::new(HealthCheckRequest {
            service: service.to_owned(),
        });
        let codec = ProstCodec::<HealthCheckRequest, HealthCheckResponse>::default();
        let res = self
            .inner
            .unary(req, PathAndQuery::from_static(CHECK), codec)
            .await?;
        Ok(res.into_inner())
    }

    /// `Watch(service)`: every status received, then the status the stream ended with
    /// (`Ok` when it ended cleanly).
    pub(crate) async fn watch(
        &mut self,
        service: &str,
    ) -> Result<(Vec<HealthCheckResponse>, Result<(), Status>), Status> {
        self.ready().await?;
        let req = Request::new(HealthCheckRequest {
            service: service.to_owned(),
        });
        let codec = ProstCodec::<HealthCheckRequest, HealthCheckResponse>::default();
        let mut stream = self
            .inner
            .server_streaming(req, PathAndQuery::from_static(WATCH), codec)
            .await?
            .into_inner();
        let mut seen = Vec::new();
        loop {
            match stream.message().await {
                Ok(Some(update)) => seen.push(update),
                Ok(None) => return Ok((seen, Ok(()))),
                Err(status) => return Ok((seen, Err(status))),
            }
        }
    }

    async fn ready(&mut self) -> Result<(), Status> {
        self.inner
            .ready()
            .await
            .map_err(|e| Status::unknown(format!("service not ready: {}", e.into())))
    }
}
