//! Prometheus metrics, served at `/metrics` in the text exposition format.

use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};
use std::time::Duration;

/// Every metric of a gateway; cheap to clone (handles).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Requests by outcome: `paid`, `free`, `unpaid`, `refused`, `replayed`, `info`.
    pub requests: IntCounterVec,
    /// Vouchers accepted (charged).
    pub vouchers_accepted: IntCounter,
    /// Vouchers refused, by problem type slug.
    pub vouchers_rejected: IntCounterVec,
    /// Charges refunded after an upstream failure.
    pub refunds: IntCounter,
    /// Seconds per store commit.
    pub commit_seconds: Histogram,
    /// Writes per store commit.
    pub commit_batch: Histogram,
    /// Failed store commits.
    pub commit_failures: IntCounter,
    /// Seconds from forwarding to the upstream's response headers.
    pub upstream_seconds: Histogram,
    /// Accepted but not yet claimed, all channels (plancks).
    pub unclaimed_value: Gauge,
    /// Channels in the cache.
    pub channels: IntGauge,
    /// Claim transactions sent, and failed.
    pub claims_sent: IntCounter,
    pub claims_failed: IntCounter,
    /// Vouchers claimed successfully (channels), and the value claimed (plancks).
    pub claimed_vouchers: IntCounter,
    pub claimed_value: Gauge,
}

fn counter(r: &Registry, name: &str, help: &str) -> IntCounter {
    let c = IntCounter::new(name, help).expect("a valid metric");
    r.register(Box::new(c.clone())).expect("registered once");
    c
}

fn counter_vec(r: &Registry, name: &str, help: &str, label: &str) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), &[label]).expect("a valid metric");
    r.register(Box::new(c.clone())).expect("registered once");
    c
}

fn histogram(r: &Registry, name: &str, help: &str, buckets: Vec<f64>) -> Histogram {
    let h = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
        .expect("a valid metric");
    r.register(Box::new(h.clone())).expect("registered once");
    h
}

fn gauge(r: &Registry, name: &str, help: &str) -> Gauge {
    let g = Gauge::new(name, help).expect("a valid metric");
    r.register(Box::new(g.clone())).expect("registered once");
    g
}

impl Metrics {
    pub fn new() -> Self {
        let r = Registry::new();
        let secs = vec![
            0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.5, 1.0, 5.0,
        ];
        let channels =
            IntGauge::new("gb_gateway_channels", "Channels in the cache").expect("a valid metric");
        r.register(Box::new(channels.clone()))
            .expect("registered once");
        Metrics {
            requests: counter_vec(
                &r,
                "gb_gateway_requests_total",
                "Requests by outcome",
                "outcome",
            ),
            vouchers_accepted: counter(
                &r,
                "gb_gateway_vouchers_accepted_total",
                "Vouchers accepted and charged",
            ),
            vouchers_rejected: counter_vec(
                &r,
                "gb_gateway_vouchers_rejected_total",
                "Requests refused, by problem type",
                "cause",
            ),
            refunds: counter(
                &r,
                "gb_gateway_refunds_total",
                "Charges refunded after an upstream failure",
            ),
            commit_seconds: histogram(
                &r,
                "gb_gateway_store_commit_seconds",
                "Seconds per store commit",
                secs.clone(),
            ),
            commit_batch: histogram(
                &r,
                "gb_gateway_store_commit_batch",
                "Writes per store commit",
                vec![
                    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
                ],
            ),
            commit_failures: counter(
                &r,
                "gb_gateway_store_commit_failures_total",
                "Failed store commits",
            ),
            upstream_seconds: histogram(
                &r,
                "gb_gateway_upstream_seconds",
                "Seconds until the service's response headers",
                secs,
            ),
            unclaimed_value: gauge(
                &r,
                "gb_gateway_unclaimed_value",
                "Accepted but not yet claimed (plancks)",
            ),
            channels,
            claims_sent: counter(
                &r,
                "gb_gateway_claims_sent_total",
                "Claim transactions sent",
            ),
            claims_failed: counter(
                &r,
                "gb_gateway_claims_failed_total",
                "Claim transactions that failed",
            ),
            claimed_vouchers: counter(
                &r,
                "gb_gateway_claimed_vouchers_total",
                "Vouchers claimed on chain",
            ),
            claimed_value: gauge(
                &r,
                "gb_gateway_claimed_value_total",
                "Value claimed on chain (plancks)",
            ),
            registry: r,
        }
    }

    /// Records one store commit.
    pub fn store_commit(&self, took: Duration, writes: usize, ok: bool) {
        self.commit_seconds.observe(took.as_secs_f64());
        self.commit_batch.observe(writes as f64);
        if !ok {
            self.commit_failures.inc();
        }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding gathered metrics into a Vec cannot fail.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
