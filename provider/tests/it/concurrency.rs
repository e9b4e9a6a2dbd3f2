//! Many paid calls at once: on one channel (vouchers signed ahead, arriving in any
//! order) and on many channels. Every call is served exactly once and charged exactly
//! once; the ledger equals the calls; then the claimer claims it all.

use crate::common::*;
use gb_protocol::headers::PAYMENT_SIGNATURE;
use std::sync::atomic::Ordering;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_on_one_channel_are_each_served_and_charged_once() {
    let w = World::new(PRICE, 1).await;
    let (url, up) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.db");
    let store = sqlite(&path);
    let g = start(&w, config(&url, &path, w.service), store.clone()).await;
    let id = w.open(0, 1000 * UNIT, DAY).await;
    const N: u128 = 200;
    // Call k carries the voucher k × price: all in flight at once, in any order.
    let headers: Vec<String> = (1..=N).map(|k| w.pay(0, id, k * PRICE)).collect();
    let addr = g.addr;
    let c = Arc::new(http());
    let tasks: Vec<_> = headers
        .into_iter()
        .map(|h| {
            let c = c.clone();
            tokio::spawn(async move {
                send(&c, addr, "POST", "/echo", &[(PAYMENT_SIGNATURE, h)], b"x").await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        let a = t.await.unwrap();
        assert_eq!(a.status, 200, "{:?}", String::from_utf8_lossy(&a.body));
        ok += 1;
    }
    assert_eq!(ok, N);
    assert_eq!(up.hits.load(Ordering::SeqCst), N as u64);
    let c = store.channel(id).await.unwrap().unwrap();
    assert_eq!((c.ledger.accepted, c.ledger.spent), (N * PRICE, N * PRICE));
    let report = g.claim_now(true, false).await.unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(w.channel(id).await.claimed, N * PRICE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_on_many_channels_are_all_charged_and_claimed_in_one_batch() {
    let w = World::new(PRICE, 8).await;
    let (url, up) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.db");
    let store = sqlite(&path);
    let g = start(&w, config(&url, &path, w.service), store.clone()).await;
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(w.open(i, 100 * UNIT, DAY).await);
    }
    const CALLS: u128 = 25;
    let addr = g.addr;
    let c = Arc::new(http());
    let mut tasks = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        for k in 1..=CALLS {
            let h = w.pay(i, *id, k * PRICE);
            let c = c.clone();
            tasks.push(tokio::spawn(async move {
                send(&c, addr, "POST", "/echo", &[(PAYMENT_SIGNATURE, h)], b"x")
                    .await
                    .status
            }));
        }
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    assert_eq!(up.hits.load(Ordering::SeqCst), 8 * CALLS as u64);
    let report = g.claim_now(true, false).await.unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.batches.len(), 1, "8 channels in one claim_batch");
    assert_eq!(report.claimed_value, (8 * CALLS * PRICE).to_string());
    for id in ids {
        assert_eq!(w.channel(id).await.claimed, CALLS * PRICE);
        let s = store.channel(id).await.unwrap().unwrap();
        assert_eq!(s.chain.unwrap().claimed, CALLS * PRICE);
        assert_eq!(s.unclaimed_since, None);
    }
}
