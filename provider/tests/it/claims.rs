//! The claimer against the in-process chain: triggers, batches, the chain's view after
//! a claim, events feeding the cache, and reconciliation of an intent left pending.

use crate::common::*;
use gb_gateway::store::{Op, Outcome};
use gb_protocol::ProblemKind;

#[tokio::test]
async fn due_channels_are_claimed_before_expiry_and_others_wait() {
    let w = World::new(PRICE, 2).await;
    let (url, _up) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.db");
    let store = sqlite(&path);
    let mut cfg = config(&url, &path, w.service);
    cfg.claims.value_threshold = 5 * PRICE;
    let g = start(&w, cfg, store.clone()).await;
    let c = http();
    // Channel a: little value, far expiry: waits. Channel b: reaches the threshold.
    let a = w.open(0, 100 * UNIT, 10 * DAY).await;
    let b = w.open(1, 100 * UNIT, 10 * DAY).await;
    assert_eq!(paid(&c, &g, &w, 0, a, PRICE, None).await.status, 200);
    assert_eq!(paid(&c, &g, &w, 1, b, 5 * PRICE, None).await.status, 200);
    let dry = g.claim_now(false, true).await.unwrap();
    assert_eq!(dry.due.len(), 1);
    assert_eq!(w.channel(b).await.claimed, 0, "a dry run claims nothing");
    let r = g.claim_now(false, false).await.unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.due, vec![(b, gb_gateway::claimer::Trigger::Value)]);
    assert_eq!(w.channel(b).await.claimed, 5 * PRICE);
    assert_eq!(w.channel(a).await.claimed, 0);
    // Close to a's expiry (within the claim margin, 2 h) it is due whatever its value.
    w.sandbox.set_now(w.now().await + 10 * DAY - HOUR);
    g.sync_clock().await;
    let r = g.claim_now(false, false).await.unwrap();
    assert_eq!(r.due, vec![(a, gb_gateway::claimer::Trigger::Expiry)]);
    assert_eq!(w.channel(a).await.claimed, PRICE);
    // And no voucher is accepted on it any more (within the 1 h acceptance margin after
    // another 30 min).
    w.sandbox.set_now(w.now().await + HOUR / 2 + 1);
    g.sync_clock().await;
    let ans = paid(&c, &g, &w, 0, a, 2 * PRICE, None).await;
    assert_eq!(ans.problem().kind(), Some(ProblemKind::ChannelExpiring));
    // Nothing is left unclaimed.
    assert!(store.claimable().await.unwrap().is_empty());
}

#[tokio::test]
async fn funds_added_on_chain_reach_the_gateway_through_events() {
    let w = World::new(PRICE, 1).await;
    let (url, _up) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.db");
    let g = start(&w, config(&url, &path, w.service), sqlite(&path)).await;
    let c = http();
    let id = w.open(0, 2 * PRICE, DAY).await;
    assert_eq!(paid(&c, &g, &w, 0, id, 2 * PRICE, None).await.status, 200);
    assert_eq!(paid(&c, &g, &w, 0, id, 2 * PRICE, None).await.status, 200);
    let a = paid(&c, &g, &w, 0, id, 3 * PRICE, None).await;
    assert_eq!(a.problem().kind(), Some(ProblemKind::InsufficientFunds));
    let p = &w.payers[0];
    w.client
        .send(&p.key, w.client.escrow().deposit(10 * UNIT))
        .await
        .unwrap();
    w.client
        .send(&p.key, w.client.escrow().add_funds(id, 10 * UNIT))
        .await
        .unwrap();
    let mut served = false;
    for _ in 0..100 {
        if paid(&c, &g, &w, 0, id, 3 * PRICE, None).await.status == 200 {
            served = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(served, "the FundsAdded event raised the funds");
}

#[tokio::test]
async fn a_claim_left_pending_by_a_crash_is_reconciled_from_the_chain_at_start() {
    let w = World::new(PRICE, 1).await;
    let (url, _up) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.db");
    let store = sqlite(&path);
    let g = start(&w, config(&url, &path, w.service), store.clone()).await;
    let id = w.open(0, 100 * UNIT, DAY).await;
    assert_eq!(
        paid(&http(), &g, &w, 0, id, 4 * PRICE, None).await.status,
        200
    );
    g.shutdown().await;
    drop(store);
    // As if a claimer recorded its intent, submitted, and died before recording the
    // outcome: the claim is on chain, the store says "pending".
    let store = sqlite(&path);
    let Outcome::Claim(claim) = store
        .commit(vec![Op::ClaimIntent {
            vouchers: vec![(id, 4 * PRICE)],
            at_ms: 0,
        }])
        .await
        .unwrap()
        .remove(0)
    else {
        panic!("a claim id")
    };
    let v = w.voucher(0, id, 4 * PRICE);
    w.client
        .send(&w.provider, w.client.escrow().claim_batch(vec![v]))
        .await
        .unwrap();
    assert_eq!(store.open_claims().await.unwrap().len(), 1);
    let g = start(&w, config(&url, &path, w.service), store.clone()).await;
    let mut reconciled = false;
    for _ in 0..100 {
        if store.open_claims().await.unwrap().is_empty() {
            reconciled = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(reconciled, "claim {claim} reconciled");
    let s = store.channel(id).await.unwrap().unwrap();
    assert_eq!(s.chain.unwrap().claimed, 4 * PRICE);
    assert!(store.claimable().await.unwrap().is_empty());
    let r = g.claim_now(true, false).await.unwrap();
    assert!(r.due.is_empty(), "nothing left to claim: {r:?}");
}
