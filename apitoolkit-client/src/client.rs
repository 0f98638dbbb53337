//! Ready-made clients: [`observe_request`] inside a request, [`OutgoingClient::builder`]
//! anywhere.

use std::sync::{Arc, OnceLock};

use apitoolkit_core::integration::RequestContext;
use apitoolkit_core::{RedactionRules, Shipper};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};

use crate::recorder::OutgoingRecorder;

/// The process-wide `reqwest::Client` behind [`observe_request`] and builders given no
/// client: one connection pool for every recorded call. With the default feature
/// `rustls` it calls `https` URLs too (the webpki roots; see [`crate::tls`]).
pub fn default_client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        builder().build().unwrap_or_else(|err| {
            tracing::warn!("apitoolkit: building the default reqwest client failed ({err}); using reqwest::Client::new()");
            reqwest::Client::new()
        })
    })
}

#[cfg(feature = "rustls")]
fn builder() -> reqwest::ClientBuilder {
    crate::tls::client_builder()
}

#[cfg(not(feature = "rustls"))]
fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
}

/// A client whose calls are recorded as outgoing records linked to the incoming request
/// `ctx` (`parent_id` = its `msg_id`), using the request's shipper and the global
/// redaction rules. Calls that fail without a response are also reported on `ctx`.
///
/// Cheap: it shares the [`default_client`] (and its connection pool); make one per
/// request. Adapters wrap it (`Observer::observe_request` in `apitoolkit-axum`).
pub fn observe_request(ctx: &RequestContext) -> ClientWithMiddleware {
    ClientBuilder::new(default_client().clone())
        .with(OutgoingRecorder::linked(ctx))
        .build()
}

/// Builds recorded clients outside (or inside) a request: see [`builder`](Self::builder).
#[derive(Debug)]
#[non_exhaustive]
pub struct OutgoingClient;

impl OutgoingClient {
    /// Starts a builder sending records to `shipper`.
    ///
    /// ```
    /// use apitoolkit_client::OutgoingClient;
    /// use apitoolkit_core::{Config, RedactionRules, Shipper};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let shipper = Shipper::start(Config::builder().on_batch(|_| {}).build()?)?;
    /// let client = OutgoingClient::builder(shipper)
    ///     .redaction(RedactionRules::builder().headers(["x-partner-key"]).build()?)
    ///     .build();
    /// # drop(client);
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder(shipper: Shipper) -> OutgoingClientBuilder {
        OutgoingClientBuilder {
            recorder: OutgoingRecorder::new(shipper),
            client: None,
        }
    }
}

/// Options of a recorded client; [`build`](Self::build) makes it.
#[derive(Debug, Clone)]
#[must_use]
pub struct OutgoingClientBuilder {
    recorder: OutgoingRecorder,
    client: Option<reqwest::Client>,
}

impl OutgoingClientBuilder {
    /// Links the records to an incoming request (`parent_id` = its `msg_id`); without
    /// it `parent_id` is null.
    pub fn parent(mut self, ctx: &RequestContext) -> Self {
        self.recorder = self.recorder.parent(ctx);
        self
    }

    /// This client's redaction rules, replacing the global ones for its records.
    pub fn redaction(mut self, rules: impl Into<Arc<RedactionRules>>) -> Self {
        self.recorder = self.recorder.redaction(rules);
        self
    }

    /// The `reqwest::Client` to send with (its timeouts, TLS, proxies, pool); default
    /// the shared [`default_client`]. To trust a private CA, pass
    /// [`tls::client_builder_trusting`](crate::tls::client_builder_trusting)`(pem)?.build()?`
    /// (feature `rustls`).
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// The client, with the recorder as its only middleware. To combine it with other
    /// middleware, use [`OutgoingRecorder`] in your own `reqwest_middleware::ClientBuilder`.
    pub fn build(self) -> ClientWithMiddleware {
        let client = self.client.unwrap_or_else(|| default_client().clone());
        ClientBuilder::new(client).with(self.recorder).build()
    }
}
