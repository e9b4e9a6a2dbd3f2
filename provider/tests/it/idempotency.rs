//! `Idempotency-Key` retries (docs/payment-protocol.md §7): no double charge, the
//! stored response replayed, 409 while in flight or for another request, a refunded
//! failure frees the key.

use crate::common::*;
use gb_protocol::headers::{IDEMPOTENCY_KEY, PAYMENT_SIGNATURE};
use gb_protocol::{IdempotencyState, ProblemKind};
use std::sync::atomic::Ordering;

#[tokio::test]
async fn a_retry_with_the_same_key_gets_the_stored_response_without_a_charge() {
    let w = World::new(PRICE, 1).await;
    let (url, up) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.db");
    let store = sqlite(&path);
    let g = start(&w, config(&url, &path, w.service), store.clone()).await;
    let c = http();
    let id = w.open(0, 10 * UNIT, DAY).await;
    let first = paid(&c, &g, &w, 0, id, PRICE, Some("k-1")).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.receipt().receipt.charged, PRICE);
    // The completion is recorded after the body ended; give the writer a moment.
    let mut again = None;
    for _ in 0..50 {
        let a = paid(&c, &g, &w, 0, id, PRICE, Some("k-1")).await;
        if a.status == 200 {
            again = Some(a);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let again = again.expect("replayed");
    assert_eq!(&again.body[..], b"hello");
    assert_eq!(again.headers.get("x-upstream").unwrap(), "yes");
    let r = again.receipt();
    assert!(r.receipt.replayed);
    assert_eq!(r.receipt.charged, 0);
    assert_eq!(r.receipt.spent, PRICE);
    assert_eq!(up.hits.load(Ordering::SeqCst), 1, "not forwarded again");
    let ch = store.channel(id).await.unwrap().unwrap();
    assert_eq!(ch.ledger.spent, PRICE, "charged once");
    // The same key for another path is a mismatch.
    let h = [
        (PAYMENT_SIGNATURE, w.pay(0, id, 2 * PRICE)),
        (IDEMPOTENCY_KEY, "k-1".to_string()),
    ];
    let a = send(&c, g.addr, "POST", "/other", &h, b"").await;
    assert_eq!(a.status, 409);
    let p = a.problem();
    assert_eq!(p.kind(), Some(ProblemKind::IdempotencyConflict));
    assert_eq!(p.idempotency_state, Some(IdempotencyState::Mismatch));
    // A new key is a new call.
    assert_eq!(
        paid(&c, &g, &w, 0, id, 2 * PRICE, Some("k-2"))
            .await
            .receipt()
            .receipt
            .charged,
        PRICE
    );
    assert_eq!(
        store.channel(id).await.unwrap().unwrap().ledger.spent,
        2 * PRICE
    );
}

#[tokio::test]
async fn a_retry_while_the_first_call_is_in_flight_is_409_and_not_charged() {
    let w = World::new(PRICE, 1).await;
    let (url, up) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.db");
    let store = sqlite(&path);
    let g = start(&w, config(&url, &path, w.service), store.clone()).await;
    let id = w.open(0, 10 * UNIT, DAY).await;
    let h = vec![
        (PAYMENT_SIGNATURE, w.pay(0, id, 2 * PRICE)),
        (IDEMPOTENCY_KEY, "slow-1".to_string()),
    ];
    let addr = g.addr;
    let h1 = h.clone();
    let first = tokio::spawn(async move { send(&http(), addr, "POST", "/slow", &h1, b"").await });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let a = send(&http(), addr, "POST", "/slow", &h, b"").await;
    assert_eq!(a.status, 409);
    let p = a.problem();
    assert_eq!(p.idempotency_state, Some(IdempotencyState::InFlight));
    assert_eq!(a.headers.get("retry-after").unwrap(), "1");
    assert_eq!(first.await.unwrap().status, 200);
    assert_eq!(up.hits.load(Ordering::SeqCst), 1);
    assert_eq!(
        store.channel(id).await.unwrap().unwrap().ledger.spent,
        PRICE
    );
}

#[tokio::test]
async fn a_response_too_large_to_keep_is_not_replayed() {
    let w = World::new(PRICE, 1).await;
    let (url, up) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.db");
    let g = start(&w, config(&url, &path, w.service), sqlite(&path)).await;
    let c = http();
    let id = w.open(0, 10 * UNIT, DAY).await;
    let h = [
        (PAYMENT_SIGNATURE, w.pay(0, id, PRICE)),
        (IDEMPOTENCY_KEY, "big".to_string()),
    ];
    let a = send(&c, g.addr, "GET", "/big", &h, b"").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body.len(), 200 * 1024, "the whole body passed through");
    let mut state = None;
    for _ in 0..50 {
        let a = send(&c, g.addr, "GET", "/big", &h, b"").await;
        let p = a.problem();
        if p.idempotency_state == Some(IdempotencyState::NotRetained) {
            state = p.idempotency_state;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(state, Some(IdempotencyState::NotRetained));
    assert_eq!(up.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_refunded_failure_frees_the_key_for_a_retry() {
    let w = World::new(PRICE, 1).await;
    let (url, up) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.db");
    let store = sqlite(&path);
    let g = start(&w, config(&url, &path, w.service), store.clone()).await;
    let c = http();
    let id = w.open(0, 10 * UNIT, DAY).await;
    let h = [
        (PAYMENT_SIGNATURE, w.pay(0, id, PRICE)),
        (IDEMPOTENCY_KEY, "f".to_string()),
    ];
    assert_eq!(send(&c, g.addr, "POST", "/fail", &h, b"").await.status, 500);
    assert_eq!(
        send(&c, g.addr, "POST", "/fail", &h, b"").await.status,
        500,
        "forwarded again"
    );
    assert_eq!(up.hits.load(Ordering::SeqCst), 2);
    assert_eq!(store.channel(id).await.unwrap().unwrap().ledger.spent, 0);
}
