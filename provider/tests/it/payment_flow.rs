//! The payment protocol end to end: the in-process chain, a real upstream on loopback,
//! the gateway in between. Every acceptance rule and every refusal: the right status
//! and problem type, nothing forwarded unpaid, nothing persisted wrongly.

use crate::common::*;
use bytes::Bytes;
use gb_interfaces::{Voucher, VoucherDomain};
use gb_protocol::headers::{self, IDEMPOTENCY_KEY, PAYMENT_CHANNEL, PAYMENT_SIGNATURE};
use gb_protocol::{PaymentPayload, ProblemKind, ServiceInfo};
use http_body_util::Full;
use hyper_util::client::legacy::{connect::HttpConnector, Client as HttpClient};
use std::sync::atomic::Ordering;
use std::sync::Arc;

struct Fixture {
    w: World,
    g: gb_gateway::Running,
    up: Arc<Upstream>,
    store: Arc<dyn gb_gateway::store::Store>,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let w = World::new(PRICE, 2).await;
    let (url, up) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.db");
    let store = sqlite(&path);
    let g = start(&w, config(&url, &path, w.service), store.clone()).await;
    Fixture {
        w,
        g,
        up,
        store,
        _dir: dir,
    }
}

impl Fixture {
    fn hits(&self) -> u64 {
        self.up.hits.load(Ordering::SeqCst)
    }

    async fn ledger(&self, id: u64) -> (u128, u128) {
        let c = self.store.channel(id).await.unwrap();
        c.map_or((0, 0), |c| (c.ledger.accepted, c.ledger.spent))
    }

    async fn expect(&self, a: &Answer, kind: ProblemKind) -> gb_protocol::Problem {
        assert_eq!(
            a.status,
            kind.status(),
            "{:?}",
            String::from_utf8_lossy(&a.body)
        );
        let p = a.problem();
        assert_eq!(p.kind(), Some(kind), "{p:?}");
        assert_eq!(p.status, kind.status());
        if kind.carries_challenge() {
            let c = a.challenge();
            assert_eq!(c.accepts[0].extra.service_id, self.w.service);
        } else {
            assert!(a.headers.get("payment-required").is_none());
        }
        p
    }

    /// `POST /echo` (empty body) paying with `v` in `PAYMENT-SIGNATURE`.
    async fn send_voucher(&self, c: &HttpClient<HttpConnector, Full<Bytes>>, v: Voucher) -> Answer {
        let h = headers::encode(&PaymentPayload::new(self.w.network(), v));
        send(
            c,
            self.g.addr,
            "POST",
            "/echo",
            &[(PAYMENT_SIGNATURE, h)],
            b"",
        )
        .await
    }
}

#[tokio::test]
async fn a_request_without_payment_gets_402_with_the_challenge_and_is_not_forwarded() {
    let f = fixture().await;
    let c = http();
    let a = send(&c, f.g.addr, "GET", "/v1/chat?x=1", &[], b"").await;
    f.expect(&a, ProblemKind::Unpaid).await;
    let ch = a.challenge();
    assert_eq!(ch.x402_version, 2);
    assert_eq!(ch.resource.url, "/v1/chat?x=1");
    let r = &ch.accepts[0];
    assert_eq!(r.scheme, "batch-settlement");
    assert_eq!(r.network, f.w.network());
    assert_eq!(r.amount, PRICE);
    assert_eq!(r.pay_to.0, f.w.provider.account_id().0);
    assert_eq!(r.extra.escrow.0, f.w.escrow());
    // The chain vouchers sign (v2): the chain's genesis hash, which escrow holds.
    assert_eq!(
        r.extra.genesis_hash,
        gb_protocol::network::genesis_hex(&f.w.domain().genesis_hash)
    );
    assert_eq!(r.extra.voucher_version, 2);
    assert_eq!(r.extra.min_deposit, PRICE);
    assert_eq!(r.extra.min_expiry_margin_ms, 3_600_000);
    assert!(r.extra.channel.is_none());
    assert_eq!(f.hits(), 0);
}

#[tokio::test]
async fn naming_a_channel_puts_its_status_in_the_challenge() {
    let f = fixture().await;
    let id = f.w.open(0, 100 * UNIT, DAY).await;
    let c = http();
    paid(&c, &f.g, &f.w, 0, id, 3 * PRICE, None).await;
    let a = send(
        &c,
        f.g.addr,
        "GET",
        "/x",
        &[(PAYMENT_CHANNEL, id.to_string())],
        b"",
    )
    .await;
    f.expect(&a, ProblemKind::Unpaid).await;
    let s = a.challenge().accepts[0]
        .extra
        .channel
        .clone()
        .expect("the channel's status");
    assert_eq!(s.channel_id, id);
    assert_eq!(s.accepted_cumulative, 3 * PRICE);
    assert_eq!(s.spent, PRICE);
    assert_eq!(s.required_cumulative, 2 * PRICE);
    assert_eq!(s.funds, 100 * UNIT);
    assert!(s.open);
    let a = send(
        &c,
        f.g.addr,
        "GET",
        "/x",
        &[(PAYMENT_CHANNEL, "seven".into())],
        b"",
    )
    .await;
    f.expect(&a, ProblemKind::MalformedPayment).await;
}

#[tokio::test]
async fn the_well_known_document_has_the_terms_unpaid() {
    let f = fixture().await;
    let a = send(&http(), f.g.addr, "GET", "/.well-known/gbrain", &[], b"").await;
    assert_eq!(a.status, 200);
    let info: ServiceInfo = serde_json::from_slice(&a.body).unwrap();
    assert_eq!(info.accepts[0].amount, PRICE);
    assert_eq!(info.free_paths, vec!["/free".to_string()]);
    assert!(info.gateway.starts_with("gb-gateway/"));
    assert_eq!(f.hits(), 0);
}

#[tokio::test]
async fn a_paid_call_is_forwarded_once_with_a_receipt_and_the_charge_is_durable() {
    let f = fixture().await;
    let id = f.w.open(0, 100 * UNIT, DAY).await;
    let a = paid(&http(), &f.g, &f.w, 0, id, PRICE, None).await;
    assert_eq!(a.status, 200);
    assert_eq!(&a.body[..], b"hello");
    assert_eq!(a.headers.get("x-upstream").unwrap(), "yes");
    let r = a.receipt();
    assert!(r.success);
    assert_eq!(r.transaction, "");
    assert_eq!(r.payer.0, f.w.payers[0].key.account_id().0);
    assert_eq!(r.receipt.channel_id, id);
    assert_eq!(r.receipt.accepted_cumulative, PRICE);
    assert_eq!(r.receipt.spent, PRICE);
    assert_eq!(r.receipt.charged, PRICE);
    assert_eq!(r.receipt.remaining, 100 * UNIT - PRICE);
    assert_eq!(r.receipt.required_cumulative, 2 * PRICE);
    assert!(!r.receipt.replayed);
    assert_eq!(f.hits(), 1);
    assert_eq!(f.ledger(id).await, (PRICE, PRICE));
    // The service learns who paid, not how.
    let h = f.up.last_headers.lock().unwrap().clone().unwrap();
    assert_eq!(h.get("gbrain-channel").unwrap(), &id.to_string());
    assert!(h.get(PAYMENT_SIGNATURE).is_none());
    assert!(h.get("x-forwarded-for").is_some());
}

#[tokio::test]
async fn a_stale_amount_is_402_with_what_to_sign_and_paying_ahead_leaves_credit() {
    let f = fixture().await;
    let c = http();
    let id = f.w.open(0, 100 * UNIT, DAY).await;
    assert_eq!(
        paid(&c, &f.g, &f.w, 0, id, 3 * PRICE, None).await.status,
        200
    );
    // Credit for two more calls, with the same (or an older) voucher.
    assert_eq!(
        paid(&c, &f.g, &f.w, 0, id, 3 * PRICE, None).await.status,
        200
    );
    assert_eq!(paid(&c, &f.g, &f.w, 0, id, PRICE, None).await.status, 200);
    assert_eq!(f.ledger(id).await, (3 * PRICE, 3 * PRICE));
    let a = paid(&c, &f.g, &f.w, 0, id, 3 * PRICE, None).await;
    let p = f.expect(&a, ProblemKind::StaleAmount).await;
    assert_eq!(p.required_cumulative, Some(4 * PRICE));
    assert_eq!(p.channel.unwrap().required_cumulative, 4 * PRICE);
    assert_eq!(f.hits(), 3, "the stale one was not forwarded");
    assert_eq!(f.ledger(id).await, (3 * PRICE, 3 * PRICE));
    assert_eq!(
        paid(&c, &f.g, &f.w, 0, id, 4 * PRICE, None).await.status,
        200
    );
}

#[tokio::test]
async fn a_replayed_voucher_pays_nothing_new() {
    let f = fixture().await;
    let c = http();
    let id = f.w.open(0, 100 * UNIT, DAY).await;
    let header = f.w.pay(0, id, PRICE);
    let h = [(PAYMENT_SIGNATURE, header)];
    assert_eq!(
        send(&c, f.g.addr, "POST", "/echo", &h, b"1").await.status,
        200
    );
    let a = send(&c, f.g.addr, "POST", "/echo", &h, b"2").await;
    f.expect(&a, ProblemKind::StaleAmount).await;
    assert_eq!(f.hits(), 1);
    assert_eq!(f.ledger(id).await, (PRICE, PRICE));
}

#[tokio::test]
async fn out_of_order_vouchers_are_all_served() {
    let f = fixture().await;
    let c = http();
    let id = f.w.open(0, 100 * UNIT, DAY).await;
    for n in [3, 1, 2] {
        let a = paid(&c, &f.g, &f.w, 0, id, n * PRICE, None).await;
        assert_eq!(a.status, 200, "voucher {n}: {:?}", a.body);
    }
    assert_eq!(f.ledger(id).await, (3 * PRICE, 3 * PRICE));
}

#[tokio::test]
async fn a_bad_signature_is_refused_and_nothing_is_stored() {
    let f = fixture().await;
    let c = http();
    let id = f.w.open(0, 100 * UNIT, DAY).await;
    // Signed by another key (payer 1 for payer 0's channel).
    let a = send(
        &c,
        f.g.addr,
        "POST",
        "/echo",
        &[(PAYMENT_SIGNATURE, f.w.pay(1, id, PRICE))],
        b"",
    )
    .await;
    f.expect(&a, ProblemKind::InvalidSignature).await;
    // A signature over another amount.
    let mut v = f.w.voucher(0, id, PRICE);
    v.amount = 2 * PRICE;
    let a = f.send_voucher(&c, v).await;
    f.expect(&a, ProblemKind::InvalidSignature).await;
    // Signed for another escrow.
    let here = f.w.domain();
    let elsewhere = VoucherDomain::new(here.genesis_hash, [9; 32]);
    let v = gb_voucher::sign(&f.w.payers[0].vouchers, &elsewhere, id, PRICE);
    let a = f.send_voucher(&c, v).await;
    let p = f.expect(&a, ProblemKind::InvalidSignature).await;
    assert!(p.detail.unwrap().contains("another chain, escrow"));
    // Issue 18 L8: signed for this escrow address and channel on another chain, and the
    // superseded v1 voucher (no chain): refused as escrow would refuse them.
    let other_chain = VoucherDomain::new([0xB0; 32], here.escrow);
    let replayed = gb_voucher::sign(&f.w.payers[0].vouchers, &other_chain, id, PRICE);
    let v1 = {
        use gb_voucher::VoucherSigner as _;
        let old = gb_interfaces::voucher::v1::voucher_message(&here.escrow, id, PRICE);
        Voucher::new(id, PRICE, f.w.payers[0].vouchers.sign_message(&old))
    };
    for v in [replayed, v1] {
        let a = f.send_voucher(&c, v).await;
        f.expect(&a, ProblemKind::InvalidSignature).await;
    }
    assert_eq!(f.hits(), 0);
    assert_eq!(f.ledger(id).await, (0, 0));
}

#[tokio::test]
async fn malformed_oversized_wrong_version_scheme_network_and_escrow_are_refused() {
    let f = fixture().await;
    let c = http();
    let id = f.w.open(0, 100 * UNIT, DAY).await;
    let good = PaymentPayload::new(f.w.network(), f.w.voucher(0, id, PRICE));
    let cases: Vec<(String, ProblemKind)> = vec![
        ("not base64 !!".into(), ProblemKind::MalformedPayment),
        (
            headers::encode(&serde_json::json!({"x402Version": 2})),
            ProblemKind::MalformedPayment,
        ),
        ("A".repeat(5000), ProblemKind::HeaderTooLarge),
        (
            headers::encode(&PaymentPayload {
                x402_version: 1,
                ..good.clone()
            }),
            ProblemKind::MalformedPayment,
        ),
        (
            headers::encode(&PaymentPayload {
                scheme: "exact".into(),
                ..good.clone()
            }),
            ProblemKind::UnsupportedScheme,
        ),
        (
            headers::encode(&PaymentPayload {
                network: "polkadot:91b171bb158e2d3848fa23a9f1c25182".into(),
                ..good.clone()
            }),
            ProblemKind::WrongNetwork,
        ),
    ];
    for (value, kind) in cases {
        let a = send(
            &c,
            f.g.addr,
            "POST",
            "/echo",
            &[(PAYMENT_SIGNATURE, value.clone())],
            b"",
        )
        .await;
        f.expect(&a, kind).await;
    }
    // An `accepted` echo naming another escrow.
    let mut terms = send(&c, f.g.addr, "GET", "/x", &[], b"")
        .await
        .challenge()
        .accepts[0]
        .clone();
    terms.extra.escrow = gb_protocol::Account([9; 32]);
    let p = PaymentPayload {
        accepted: Some(terms),
        ..good.clone()
    };
    let a = send(
        &c,
        f.g.addr,
        "POST",
        "/echo",
        &[(PAYMENT_SIGNATURE, headers::encode(&p))],
        b"",
    )
    .await;
    f.expect(&a, ProblemKind::WrongEscrow).await;
    // A bad Idempotency-Key.
    let h = [
        (PAYMENT_SIGNATURE, headers::encode(&good)),
        (IDEMPOTENCY_KEY, "has space".to_string()),
    ];
    let a = send(&c, f.g.addr, "POST", "/echo", &h, b"").await;
    f.expect(&a, ProblemKind::MalformedPayment).await;
    assert_eq!(f.hits(), 0);
    assert_eq!(f.ledger(id).await, (0, 0));
    // The good one still works.
    let a = send(
        &c,
        f.g.addr,
        "POST",
        "/echo",
        &[(PAYMENT_SIGNATURE, headers::encode(&good))],
        b"",
    )
    .await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn unknown_closed_foreign_expiring_and_underfunded_channels_are_refused() {
    let f = fixture().await;
    let c = http();
    // Unknown.
    let a = paid(&c, &f.g, &f.w, 0, 999, PRICE, None).await;
    f.expect(&a, ProblemKind::ChannelNotFound).await;
    // For another service.
    let other = f.w.another_service(PRICE).await;
    let id = f.w.open_for(0, other, 100 * UNIT, DAY).await;
    let a = paid(&c, &f.g, &f.w, 0, id, PRICE, None).await;
    f.expect(&a, ProblemKind::WrongService).await;
    // Expiring within the margin (1 h).
    let id = f.w.open(0, 100 * UNIT, HOUR / 2).await;
    let a = paid(&c, &f.g, &f.w, 0, id, PRICE, None).await;
    let p = f.expect(&a, ProblemKind::ChannelExpiring).await;
    assert!(p.channel.is_some());
    // Below the minimum deposit (the price).
    let id = f.w.open(0, PRICE / 2, DAY).await;
    let a = paid(&c, &f.g, &f.w, 0, id, PRICE / 2, None).await;
    f.expect(&a, ProblemKind::InsufficientFunds).await;
    // An amount above the funds.
    let id = f.w.open(0, 2 * PRICE, DAY).await;
    let a = paid(&c, &f.g, &f.w, 0, id, 3 * PRICE, None).await;
    f.expect(&a, ProblemKind::InsufficientFunds).await;
    // Funds spent.
    assert_eq!(
        paid(&c, &f.g, &f.w, 0, id, 2 * PRICE, None).await.status,
        200
    );
    assert_eq!(
        paid(&c, &f.g, &f.w, 0, id, 2 * PRICE, None).await.status,
        200
    );
    let a = paid(&c, &f.g, &f.w, 0, id, 2 * PRICE, None).await;
    f.expect(&a, ProblemKind::InsufficientFunds).await;
    assert_eq!(f.hits(), 2);
    // Closed by the payee: the follower sees the event.
    let closed = f.w.open(1, 100 * UNIT, DAY).await;
    assert_eq!(
        paid(&c, &f.g, &f.w, 1, closed, PRICE, None).await.status,
        200
    );
    f.w.client
        .send(&f.w.provider, f.w.client.escrow().close(closed, None))
        .await
        .unwrap();
    let mut refused = None;
    for _ in 0..100 {
        let a = paid(&c, &f.g, &f.w, 1, closed, 2 * PRICE, None).await;
        if a.status != 200 {
            refused = Some(a);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    f.expect(
        &refused.expect("refused once the close is seen"),
        ProblemKind::ChannelClosed,
    )
    .await;
}

#[tokio::test]
async fn an_ecdsa_channel_and_a_wallet_wrapped_signature_are_accepted() {
    let f = fixture().await;
    let c = http();
    // ecdsa.
    let key = gb_voucher::VoucherKey::ecdsa("//Alice").unwrap();
    let p = &f.w.payers[0];
    let expiry = f.w.now().await + DAY;
    use gb_voucher::VoucherSigner as _;
    let m =
        f.w.client
            .escrow()
            .deposit_and_open(f.w.service, key.signer(), 10 * UNIT, expiry);
    let id = f.w.client.send(&p.key, m).await.unwrap().value;
    let v = gb_voucher::sign(&key, &f.w.domain(), id, PRICE);
    assert_eq!(f.send_voucher(&c, v).await.status, 200);
    // <Bytes>-wrapped sr25519 (a browser wallet's signRaw).
    let id = f.w.open(0, 10 * UNIT, DAY).await;
    let wrapped = p.vouchers.clone().wrapped();
    let v = gb_voucher::sign(&wrapped, &f.w.domain(), id, PRICE);
    assert_eq!(f.send_voucher(&c, v).await.status, 200);
}

#[tokio::test]
async fn free_paths_are_forwarded_without_payment() {
    let f = fixture().await;
    let a = send(&http(), f.g.addr, "GET", "/free/models", &[], b"").await;
    assert_eq!(a.status, 200);
    assert!(a.headers.get("payment-response").is_none());
    assert_eq!(f.hits(), 1);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_before_any_charge() {
    let w = World::new(PRICE, 1).await;
    let (url, up) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.db");
    let mut cfg = config(&url, &path, w.service);
    cfg.proxy.max_request_body_bytes = 1000;
    let store = sqlite(&path);
    let g = start(&w, cfg, store.clone()).await;
    let id = w.open(0, 10 * UNIT, DAY).await;
    let h = [(PAYMENT_SIGNATURE, w.pay(0, id, PRICE))];
    let a = send(&http(), g.addr, "POST", "/echo", &h, &[0u8; 2000]).await;
    assert_eq!(a.status, 413);
    assert_eq!(a.problem().kind(), Some(ProblemKind::PayloadTooLarge));
    assert_eq!(up.hits.load(Ordering::SeqCst), 0);
    assert!(store
        .channel(id)
        .await
        .unwrap()
        .is_none_or(|c| c.ledger.spent == 0));
}

#[tokio::test]
async fn a_service_that_is_down_gets_the_charge_refunded() {
    let w = World::new(PRICE, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.db");
    // Nothing listens on port 1.
    let store = sqlite(&path);
    let g = start(
        &w,
        config("http://127.0.0.1:1", &path, w.service),
        store.clone(),
    )
    .await;
    let id = w.open(0, 10 * UNIT, DAY).await;
    let a = paid(&http(), &g, &w, 0, id, PRICE, None).await;
    assert_eq!(a.status, 502);
    assert_eq!(a.problem().kind(), Some(ProblemKind::UpstreamUnavailable));
    let r = a.receipt();
    assert_eq!(r.receipt.charged, 0);
    assert_eq!(r.receipt.spent, 0);
    assert_eq!(r.receipt.accepted_cumulative, PRICE, "the voucher stays");
    let c = store.channel(id).await.unwrap().unwrap();
    assert_eq!((c.ledger.accepted, c.ledger.spent), (PRICE, 0));
}

#[tokio::test]
async fn a_5xx_of_the_service_is_passed_on_and_refunded() {
    let f = fixture().await;
    let id = f.w.open(0, 10 * UNIT, DAY).await;
    let h = [(PAYMENT_SIGNATURE, f.w.pay(0, id, PRICE))];
    let a = send(&http(), f.g.addr, "POST", "/fail", &h, b"").await;
    assert_eq!(a.status, 500);
    assert_eq!(&a.body[..], b"upstream broke");
    assert_eq!(a.receipt().receipt.charged, 0);
    assert_eq!(f.ledger(id).await, (PRICE, 0));
    // The credit is there for the next call.
    let a = send(&http(), f.g.addr, "POST", "/echo", &h, b"").await;
    assert_eq!(a.status, 200);
    assert_eq!(f.ledger(id).await, (PRICE, PRICE));
}

#[tokio::test]
async fn a_streamed_response_passes_through_as_it_comes() {
    use http_body_util::BodyExt as _;
    let f = fixture().await;
    let id = f.w.open(0, 10 * UNIT, DAY).await;
    let req = http::Request::post(format!("http://{}/stream", f.g.addr))
        .header(PAYMENT_SIGNATURE, f.w.pay(0, id, PRICE))
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();
    let started = std::time::Instant::now();
    let resp = http().request(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("payment-response").is_some());
    let mut body = resp.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    let first_at = started.elapsed();
    assert_eq!(&first[..], b"data: event 0\n\n");
    let mut rest = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(d) = frame.unwrap().into_data() {
            rest.extend_from_slice(&d);
        }
    }
    let all_at = started.elapsed();
    assert!(String::from_utf8(rest)
        .unwrap()
        .ends_with("data: event 4\n\n"));
    // Five events 50 ms apart: the first came well before the last (no buffering).
    assert!(
        all_at - first_at >= std::time::Duration::from_millis(150),
        "{first_at:?} {all_at:?}"
    );
}

#[tokio::test]
async fn health_and_metrics_are_served() {
    let f = fixture().await;
    let c = http();
    let id = f.w.open(0, 10 * UNIT, DAY).await;
    paid(&c, &f.g, &f.w, 0, id, PRICE, None).await;
    send(&c, f.g.addr, "GET", "/x", &[], b"").await;
    let mut ok = false;
    for _ in 0..50 {
        let h = send(&c, f.g.addr, "GET", "/health", &[], b"").await;
        if h.status == 200 {
            let v: serde_json::Value = serde_json::from_slice(&h.body).unwrap();
            assert_eq!(v["store"], "ok");
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(ok, "healthy once following events");
    let m = send(&c, f.g.addr, "GET", "/metrics", &[], b"").await;
    let text = String::from_utf8(m.body.to_vec()).unwrap();
    assert!(
        text.contains("gb_gateway_requests_total{outcome=\"paid\"} 1"),
        "{text}"
    );
    assert!(text.contains("gb_gateway_requests_total{outcome=\"unpaid\"} 1"));
    assert!(text.contains("gb_gateway_vouchers_accepted_total 1"));
    assert!(text.contains("gb_gateway_store_commit_seconds_bucket"));
    assert!(text.contains("gb_gateway_vouchers_rejected_total{cause=\"unpaid\"} 1"));
}

/// Issue 18 L8: a gateway does not start on an escrow instantiated for another chain
/// (its `config().genesis_hash` is not the chain's): the vouchers its clients sign for
/// this chain would all be refused at claim time, and an escrow that trusts another
/// chain's genesis hash is open to that chain's vouchers.
#[tokio::test]
async fn a_gateway_refuses_an_escrow_deployed_for_another_chain() {
    use gb_chain::{AccountKey, Chain as _, Instantiation};
    use gb_client::Client;
    let w = World::new(PRICE, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config("http://127.0.0.1:9/", &dir.path().join("gw.db"), w.service);
    // The suite's own escrow: deployed by gb-deploy with this chain's genesis hash.
    let terms = gb_gateway::gateway::read_terms(&config, &w.client)
        .await
        .unwrap();
    assert_eq!(terms.voucher_domain(), w.domain());
    // The same code, instantiated for another chain's genesis hash.
    let d = w.deployment();
    let mut wrong = w.domain().genesis_hash;
    wrong[0] ^= 0xFF;
    let new = gb_deploy::suite::escrow_new(d.registry(), 100, &d.treasury, wrong);
    let deployer = AccountKey::dev("Deployer");
    let other = w
        .client
        .chain()
        .instantiate(
            &deployer,
            &Instantiation {
                code: bundles().escrow.wasm.clone(),
                data: new.data.clone(),
                salt: vec![2],
                value: 0,
            },
        )
        .await
        .unwrap();
    let mut elsewhere = d.clone();
    elsewhere.contracts.escrow.address = other.address.clone();
    let client = Client::new(w.client.chain().clone(), elsewhere);
    match gb_gateway::gateway::read_terms(&config, &client).await {
        Err(gb_gateway::StartError::EscrowWrongChain { escrow, node }) => {
            assert_eq!(escrow, gb_protocol::network::genesis_hex(&wrong));
            assert_eq!(
                node,
                gb_protocol::network::genesis_hex(&w.domain().genesis_hash)
            );
        }
        other => panic!("expected EscrowWrongChain, got {other:?}"),
    }
}
