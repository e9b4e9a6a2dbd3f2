//! The HTTP side: the router (`/.well-known/gbrain`, `/health`, `/metrics`, and every
//! other path paid and forwarded), problem responses and receipts.

use crate::capture::Capture;
use crate::gate::{receipt, receipt_with, Decision, Gate, Refused, Ticket};
use crate::metrics::Metrics;
use crate::proxy::{full, pass_on, Upstream, UpstreamError};
use crate::store::StoredResponse;
use crate::writer::Writer;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use gb_protocol::headers::{self, PAYMENT_REQUIRED, PAYMENT_RESPONSE};
use gb_protocol::{Problem, ProblemKind, PROBLEM_JSON, WELL_KNOWN_PATH};
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use http::StatusCode;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Header telling the service which channel paid.
pub const GBRAIN_CHANNEL: &str = "gbrain-channel";
/// Header telling the service who paid (`0x` account).
pub const GBRAIN_PAYER: &str = "gbrain-payer";

/// What the handlers share.
pub struct App {
    pub gate: Arc<Gate>,
    pub upstream: Upstream,
    pub metrics: Metrics,
    pub writer: Writer,
    /// True while the event follower is subscribed.
    pub following: Arc<AtomicBool>,
    pub max_stored_response: usize,
}

/// The public router; with `admin` the `/health` and `/metrics` routes too.
pub fn router(app: Arc<App>, admin: bool) -> Router {
    let mut r = Router::new().route(WELL_KNOWN_PATH, get(service_info));
    if admin {
        r = r.merge(admin_routes());
    }
    r.fallback(handle).with_state(app)
}

/// `/health` and `/metrics` alone (for a separate admin address).
pub fn admin_router(app: Arc<App>) -> Router {
    admin_routes().with_state(app)
}

fn admin_routes() -> Router<Arc<App>> {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
}

async fn service_info(State(app): State<Arc<App>>) -> Response {
    app.metrics.requests.with_label_values(&["info"]).inc();
    let info = app.gate.terms().service_info();
    json(StatusCode::OK, "application/json", &info)
}

async fn health(State(app): State<Arc<App>>) -> Response {
    let following = app.following.load(Ordering::Relaxed);
    let store = app.writer.healthy();
    let ok = following && store;
    let body = serde_json::json!({
        "status": if ok { "ok" } else { "degraded" },
        "store": if store { "ok" } else { "failing" },
        "chainEvents": if following { "following" } else { "reconnecting" },
        "channels": app.gate.cache.len(),
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json(status, "application/json", &body)
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    app.metrics.channels.set(app.gate.cache.len() as i64);
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
        .into_response()
}

fn json<T: serde::Serialize>(status: StatusCode, content_type: &'static str, v: &T) -> Response {
    let body = serde_json::to_vec(v).unwrap_or_default();
    (status, [(CONTENT_TYPE, content_type)], body).into_response()
}

/// The response to a refused request: problem+json, the challenge of a `402`,
/// `Retry-After`.
pub fn problem_response(r: Refused) -> Response {
    let status = StatusCode::from_u16(r.problem.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut resp = json(status, PROBLEM_JSON, &r.problem);
    let h = resp.headers_mut();
    if let Some(c) = &r.challenge {
        if let Ok(v) = HeaderValue::from_str(&headers::encode(c)) {
            h.insert(PAYMENT_REQUIRED, v);
        }
    }
    if let Some(s) = r.problem.retry_after_seconds {
        h.insert(RETRY_AFTER, HeaderValue::from(s));
    }
    resp
}

fn with_receipt<B>(
    mut resp: http::Response<B>,
    receipt: &gb_protocol::PaymentResponse,
) -> http::Response<B> {
    if let Ok(v) = HeaderValue::from_str(&headers::encode(receipt)) {
        resp.headers_mut().insert(PAYMENT_RESPONSE, v);
    }
    resp
}

/// Every path but the gateway's own: paid (or free) and forwarded.
async fn handle(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let terms = app.gate.terms();
    let (parts, body) = req.into_parts();
    let url = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let forwarded = forwarded_for(&parts.headers, peer);
    if terms.is_free(parts.uri.path()) {
        app.metrics.requests.with_label_values(&["free"]).inc();
        return match app.upstream.send(parts, body, vec![forwarded]).await {
            Ok(resp) => pass_on(resp).map(Body::new),
            Err(e) => upstream_problem(&e, url, false),
        };
    }
    let decision = app
        .gate
        .admit(&parts.method, &parts.uri, &parts.headers)
        .await;
    match decision {
        Err(refused) => {
            let outcome = if refused.problem.kind() == Some(ProblemKind::Unpaid) {
                "unpaid"
            } else {
                "refused"
            };
            app.metrics.requests.with_label_values(&[outcome]).inc();
            problem_response(refused)
        }
        Ok(Decision::Replay { response, receipt }) => {
            app.metrics.requests.with_label_values(&["replayed"]).inc();
            with_receipt(stored(response), &receipt)
        }
        Ok(Decision::Forward(ticket)) => {
            app.metrics.requests.with_label_values(&["paid"]).inc();
            forward(&app, ticket, parts, body, forwarded, url).await
        }
    }
}

fn forwarded_for(h: &http::HeaderMap, peer: SocketAddr) -> (HeaderName, HeaderValue) {
    let ip = peer.ip().to_string();
    let value = match h.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(prev) => format!("{prev}, {ip}"),
        None => ip,
    };
    (
        HeaderName::from_static("x-forwarded-for"),
        HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("unknown")),
    )
}

fn stored(r: StoredResponse) -> Response {
    let mut resp = Response::new(full(r.body));
    *resp.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK);
    for (n, v) in r.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(n.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            resp.headers_mut().append(n, v);
        }
    }
    resp
}

async fn forward(
    app: &Arc<App>,
    ticket: Ticket,
    parts: http::request::Parts,
    body: Body,
    forwarded: (HeaderName, HeaderValue),
    url: String,
) -> Response {
    let extra = vec![
        forwarded,
        (
            HeaderName::from_static(GBRAIN_CHANNEL),
            HeaderValue::from(ticket.channel),
        ),
        (
            HeaderName::from_static(GBRAIN_PAYER),
            HeaderValue::from_str(&gb_protocol::Account(ticket.payer).to_string())
                .unwrap_or(HeaderValue::from_static("unknown")),
        ),
    ];
    let started = Instant::now();
    let sent = app.upstream.send(parts, body, extra).await;
    app.metrics
        .upstream_seconds
        .observe(started.elapsed().as_secs_f64());
    match sent {
        Ok(resp) if resp.status().is_server_error() => {
            // The service failed: the call is not charged.
            let rec = refund(app, &ticket).await;
            with_receipt(pass_on(resp).map(Body::new), &rec)
        }
        Ok(resp) => {
            let rec = receipt(&ticket, ticket.charged, false);
            let resp = pass_on(resp);
            let resp = if ticket.key.is_none() {
                resp.map(Body::new)
            } else {
                let (parts, body) = resp.into_parts();
                let keep = !parts
                    .headers
                    .get(CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|t| t.starts_with("text/event-stream"));
                let gate = app.gate.clone();
                let done = Box::new(move |r: Option<StoredResponse>| gate.complete(&ticket, r));
                let body = Capture::new(
                    body,
                    parts.status.as_u16(),
                    &parts.headers,
                    app.max_stored_response,
                    keep,
                    done,
                );
                http::Response::from_parts(parts, Body::new(body))
            };
            with_receipt(resp, &rec)
        }
        Err(e) => {
            let rec = refund(app, &ticket).await;
            let refunded = rec.receipt.charged == 0;
            let resp = upstream_problem(&e, url, refunded);
            with_receipt(resp, &rec)
        }
    }
}

/// Refunds `ticket`'s charge; the receipt says what the call finally cost (the
/// price, if the refund could not be made durable).
async fn refund(app: &App, ticket: &Ticket) -> gb_protocol::PaymentResponse {
    match app.gate.refund(ticket).await {
        Ok(values) => receipt_with(ticket, values, 0, false),
        Err(e) => {
            tracing::error!(channel = ticket.channel, error = %e, "a refund could not be made durable: the call stays charged");
            receipt(ticket, ticket.charged, false)
        }
    }
}

fn upstream_problem(e: &UpstreamError, instance: String, refunded: bool) -> Response {
    let kind = match e {
        UpstreamError::Unavailable(_) => ProblemKind::UpstreamUnavailable,
        UpstreamError::Timeout(_) => ProblemKind::UpstreamTimeout,
        UpstreamError::Failed(_) => ProblemKind::UpstreamError,
    };
    tracing::warn!(error = %e, "upstream failure");
    let detail = if refunded {
        format!("{e}; the charge was refunded")
    } else {
        e.to_string()
    };
    let mut problem = Problem::new(kind, detail);
    problem.instance = Some(instance);
    problem.retry_after_seconds = Some(1);
    problem_response(Refused {
        problem,
        challenge: None,
    })
}
