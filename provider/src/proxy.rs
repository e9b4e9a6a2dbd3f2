//! Forwarding to the service: hyper-util's pooled HTTP/1 client, bodies streamed both
//! ways (the request body bounded), hop-by-hop and payment headers removed.

use axum::body::Body;
use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{request, uri, Request, Response, Uri};
use http_body_util::Limited;
use hyper::body::Incoming;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// The request body as forwarded: at most the configured size.
pub type ProxyBody = Limited<Body>;

/// Why forwarding failed (before the service's response headers).
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// Connecting failed (refused, unreachable).
    #[error("cannot connect to the service: {0}")]
    Unavailable(String),
    /// No response headers within the timeout.
    #[error("the service did not answer within {0:?}")]
    Timeout(Duration),
    /// Anything else: the connection broke, the answer was not HTTP, the request body
    /// was too large.
    #[error("the service's answer failed: {0}")]
    Failed(String),
}

/// The service behind the gateway.
pub struct Upstream {
    client: Client<HttpConnector, ProxyBody>,
    scheme: uri::Scheme,
    authority: uri::Authority,
    /// Path prefix, without a trailing `/`.
    prefix: String,
    timeout: Duration,
    max_body: usize,
}

/// Headers that are about one connection, not the message (RFC 9110 §7.6.1).
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Headers of the payment protocol, which stay at the gateway.
const PAYMENT: &[&str] = &[
    gb_protocol::headers::PAYMENT_SIGNATURE,
    gb_protocol::headers::PAYMENT_CHANNEL,
];

/// Removes hop-by-hop headers, including those the `Connection` header names.
pub fn strip_hop_by_hop(h: &mut HeaderMap) {
    let named: Vec<HeaderName> = h
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    for n in named {
        h.remove(n);
    }
    for n in HOP_BY_HOP {
        h.remove(*n);
    }
}

impl Upstream {
    /// The service at `base` (`http://host:port[/prefix]`).
    pub fn new(base: &str, timeout: Duration, max_body: u64) -> Result<Upstream, String> {
        let uri: Uri = base
            .parse()
            .map_err(|e| format!("upstream `{base}`: {e}"))?;
        let parts = uri.into_parts();
        let scheme = parts.scheme.ok_or("upstream: no scheme")?;
        let authority = parts.authority.ok_or("upstream: no host")?;
        let prefix = parts
            .path_and_query
            .map(|p| p.path().trim_end_matches('/').to_string())
            .unwrap_or_default();
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(1024)
            .build(connector);
        Ok(Upstream {
            client,
            scheme,
            authority,
            prefix,
            timeout,
            max_body: usize::try_from(max_body).unwrap_or(usize::MAX),
        })
    }

    /// The service's URI for a request to `original` (its path and query, after the
    /// prefix).
    pub fn uri_for(&self, original: &Uri) -> Uri {
        let pq = original.path_and_query().map_or("/", |p| p.as_str());
        let mut b = Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone());
        b = b.path_and_query(format!("{}{pq}", self.prefix));
        b.build().unwrap_or_else(|_| original.clone())
    }

    /// Forwards a request (its head and streaming body), adding `extra` headers;
    /// returns the service's response with its body still streaming.
    pub async fn send(
        &self,
        mut head: request::Parts,
        body: Body,
        extra: Vec<(HeaderName, HeaderValue)>,
    ) -> Result<Response<Incoming>, UpstreamError> {
        head.uri = self.uri_for(&head.uri);
        head.version = http::Version::HTTP_11;
        strip_hop_by_hop(&mut head.headers);
        for n in PAYMENT {
            head.headers.remove(*n);
        }
        // hyper sets Host from the URI.
        head.headers.remove(http::header::HOST);
        for (n, v) in extra {
            head.headers.insert(n, v);
        }
        let req = Request::from_parts(head, Limited::new(body, self.max_body));
        match tokio::time::timeout(self.timeout, self.client.request(req)).await {
            Err(_) => Err(UpstreamError::Timeout(self.timeout)),
            Ok(Err(e)) if e.is_connect() => Err(UpstreamError::Unavailable(error_chain(&e))),
            Ok(Err(e)) => Err(UpstreamError::Failed(error_chain(&e))),
            Ok(Ok(resp)) => Ok(resp),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A response of the service, made ready to pass on: hop-by-hop headers removed.
pub fn pass_on(resp: Response<Incoming>) -> Response<Incoming> {
    let (mut parts, body) = resp.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    Response::from_parts(parts, body)
}

/// A complete body (stored responses, problems).
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Body::from(bytes.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_removed() {
        let mut h = HeaderMap::new();
        h.insert("connection", HeaderValue::from_static("close, x-private"));
        h.insert("x-private", HeaderValue::from_static("1"));
        h.insert("transfer-encoding", HeaderValue::from_static("chunked"));
        h.insert("content-type", HeaderValue::from_static("application/json"));
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key("content-type"));
    }

    #[test]
    fn the_upstream_uri_keeps_path_and_query_after_the_prefix() {
        let u = Upstream::new("http://127.0.0.1:9/api/", Duration::from_secs(1), 10).unwrap();
        let uri: Uri = "/v1/chat?x=1".parse().unwrap();
        assert_eq!(
            u.uri_for(&uri).to_string(),
            "http://127.0.0.1:9/api/v1/chat?x=1"
        );
        let u = Upstream::new("http://127.0.0.1:9", Duration::from_secs(1), 10).unwrap();
        assert_eq!(
            u.uri_for(&uri).to_string(),
            "http://127.0.0.1:9/v1/chat?x=1"
        );
    }
}
